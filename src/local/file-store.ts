/**
 * The local store: results.tsv, notes.md and state.json in the run's state folder
 * (`<repo>/.caddie/<tag>/`). Each write is atomic, so an interrupted loop never leaves half a file.
 */
import path from "node:path";
import { formatLedger, parseLedger, type LedgerRow } from "../core/ledger.ts";
import { emptyNotes, renderNotes } from "../core/notes.ts";
import { UserError } from "../core/user-error.ts";
import type { LoopState, Store } from "../engine/ports.ts";
import { atomicWrite, readTextIfExists } from "../io/files.ts";

export class FileStore implements Store {
  readonly ledgerFile: string;
  readonly notesFile: string;
  readonly stateFile: string;

  constructor(readonly dir: string) {
    this.ledgerFile = path.join(dir, "results.tsv");
    this.notesFile = path.join(dir, "notes.md");
    this.stateFile = path.join(dir, "state.json");
  }

  async readLedger(): Promise<LedgerRow[]> {
    const text = await readTextIfExists(this.ledgerFile);
    if (text === null) return [];
    try {
      return parseLedger(text);
    } catch (error) {
      throw new UserError(`${this.ledgerFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  writeLedger(rows: LedgerRow[]): Promise<void> {
    return atomicWrite(this.ledgerFile, formatLedger(rows));
  }

  async readNotes(): Promise<string> {
    return (await readTextIfExists(this.notesFile)) ?? renderNotes(emptyNotes());
  }

  writeNotes(markdown: string): Promise<void> {
    return atomicWrite(this.notesFile, markdown);
  }

  async readState(): Promise<LoopState> {
    const text = await readTextIfExists(this.stateFile);
    if (text === null) return { counter: 0, experiments: {} };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UserError(
        `${this.stateFile} is not valid JSON; restore it or remove the state folder to start over`,
      );
    }
    const s = parsed as Partial<LoopState>;
    if (typeof s.counter !== "number" || typeof s.experiments !== "object" || s.experiments === null)
      throw new UserError(`${this.stateFile} does not look like caddie state (counter, experiments)`);
    return { counter: s.counter, experiments: s.experiments };
  }

  writeState(state: LoopState): Promise<void> {
    return atomicWrite(this.stateFile, `${JSON.stringify(state, null, 2)}\n`);
  }
}
