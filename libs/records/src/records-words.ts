import { Injectable, OnModuleInit } from '@nestjs/common';
import { Translator } from '@consilium/core';
import path from 'node:path';

/** The records lib's words (its refusals' messages and hints) under `records`, in every app that mounts the engine. */
@Injectable()
export class RecordsWords implements OnModuleInit {
  constructor(private readonly translator: Translator) {}

  onModuleInit(): void {
    this.translator.register('records', path.join(__dirname, 'views', 'i18n'));
  }
}
