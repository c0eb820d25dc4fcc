import type { Command } from "./command.ts";

/** Every CLI command, in the order `caddie --help` lists them. */
export const commands: Command[] = [];
