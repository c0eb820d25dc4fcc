import type { Command } from "./command.ts";
import { competitorsCommand } from "./competitors.ts";
import { demoCommand } from "./demo.ts";
import { measureCommand } from "./measure.ts";
import { parseLogCommand } from "./parse-log.ts";
import { researchCommand } from "./research.ts";
import { runCommand } from "./run.ts";

/** Every CLI command, in the order `caddie --help` lists them. */
export const commands: Command[] = [demoCommand, runCommand, parseLogCommand, measureCommand, competitorsCommand, researchCommand];
