import { isPluralElement, isSelectElement, MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';
import { printAST } from '@formatjs/icu-messageformat-parser/printer.js';

const ACCENTED: Record<string, string> = Object.fromEntries(
  [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c, i) => [
    c,
    [...'áƀçđéƒĝĥíĵķĺɱñóƥʠŕšŧúṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĹṀÑÖƤɊŔŠŦÛṼŴẊÝŽ'][i],
  ]),
);

/**
 * The pseudo-locale's text for an English message: every letter accented and each sentence about 30% longer, the
 * arguments, plurals and selects untouched. A page in it shows at a glance any word that does not come from a
 * catalog (it stays plain English) and any layout that breaks when a language runs long.
 */
export function pseudoMessage(message: string): string {
  const ast = parse(message, { ignoreTag: true });
  return printAST(ast.map(pseudoElement));
}

function pseudoElement(element: MessageFormatElement): MessageFormatElement {
  if (element.type === TYPE.literal) return { ...element, value: pseudoText(element.value) };
  if (isPluralElement(element) || isSelectElement(element)) {
    const options = Object.fromEntries(
      Object.entries(element.options).map(([k, option]) => [k, { ...option, value: option.value.map(pseudoElement) }]),
    );
    return { ...element, options };
  }
  return element;
}

function pseudoText(text: string): string {
  const letters = text.replace(/[^A-Za-z]/g, '').length;
  if (!letters) return text;
  const accented = [...text].map((c) => ACCENTED[c] ?? c).join('');
  // The padding follows the last word, so punctuation and the argument after it keep their place.
  const last = text.search(/[A-Za-z][^A-Za-z]*$/) + 1;
  return `${accented.slice(0, last)}${'~'.repeat(Math.ceil(letters * 0.3))}${accented.slice(last)}`;
}
