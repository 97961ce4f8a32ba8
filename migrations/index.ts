import { Foundation1764201600000 } from './1764201600000-foundation';

/** Every migration, oldest first. Listed as classes so Jest, the CLI and the apps share one list. */
export const allMigrations = [Foundation1764201600000];
