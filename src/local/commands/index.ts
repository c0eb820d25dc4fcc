import type { Command } from "./command.ts";
import { demoCommand } from "./demo.ts";
import { measureCommand } from "./measure.ts";
import { parseLogCommand } from "./parse-log.ts";
import { runCommand } from "./run.ts";

/** Every CLI command, in the order `caddie --help` lists them. */
export const commands: Command[] = [demoCommand, runCommand, parseLogCommand, measureCommand];
