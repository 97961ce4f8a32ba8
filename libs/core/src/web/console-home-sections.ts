import { Injectable } from '@nestjs/common';
import type { ContextActor } from '../context/request-context';

/**
 * A panel of the console's home page, given by the lib that owns its data (the cases lib's queue counts, the launch
 * checklist): identity shows the home but knows none of their tables. `load` answers null when the panel is not for
 * this actor (a physician sees no launch checklist); the partial renders the model it returns.
 */
export interface ConsoleHomeSection {
  name: string;
  order: number;
  /** A registered partial, `namespace/name`. */
  partial: string;
  load(actor: ContextActor): Promise<Record<string, unknown> | null>;
}

@Injectable()
export class ConsoleHomeSections {
  private readonly sections: ConsoleHomeSection[] = [];

  register(section: ConsoleHomeSection): void {
    if (this.sections.some((s) => s.name === section.name)) return;
    this.sections.push(section);
    this.sections.sort((a, b) => a.order - b.order);
  }

  /** The panels for this actor, each with its model, in order. */
  async for(actor: ContextActor): Promise<{ partial: string; model: Record<string, unknown> }[]> {
    const loaded = await Promise.all(this.sections.map(async (s) => ({ partial: s.partial, model: await s.load(actor) })));
    return loaded.filter((s): s is { partial: string; model: Record<string, unknown> } => s.model !== null);
  }
}
