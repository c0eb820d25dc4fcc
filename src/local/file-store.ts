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
import { StateGuard } from "./state-guard.ts";

export class FileStore implements Store {
  readonly ledgerFile: string;
  readonly notesFile: string;
  readonly stateFile: string;
  /** What caddie last wrote to each file, checked after every run. */
  readonly guard = new StateGuard();

  constructor(readonly dir: string) {
    this.ledgerFile = path.join(dir, "results.tsv");
    this.notesFile = path.join(dir, "notes.md");
    this.stateFile = path.join(dir, "state.json");
  }

  async readLedger(): Promise<LedgerRow[]> {
    const text = await this.readGuarded(this.ledgerFile);
    if (text === null) return [];
    try {
      return parseLedger(text);
    } catch (error) {
      throw new UserError(`${this.ledgerFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  writeLedger(rows: LedgerRow[]): Promise<void> {
    return this.writeGuarded(this.ledgerFile, formatLedger(rows));
  }

  async readNotes(): Promise<string> {
    return (await this.readGuarded(this.notesFile)) ?? renderNotes(emptyNotes());
  }

  writeNotes(markdown: string): Promise<void> {
    return this.writeGuarded(this.notesFile, markdown);
  }

  async readState(): Promise<LoopState> {
    const text = await this.readGuarded(this.stateFile);
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
    return {
      counter: s.counter,
      experiments: s.experiments,
      ...(s.pending && typeof s.pending === "object" ? { pending: s.pending } : {}),
    };
  }

  writeState(state: LoopState): Promise<void> {
    return this.writeGuarded(this.stateFile, `${JSON.stringify(state, null, 2)}\n`);
  }

  /** Registers every state file with the guard as it is now; called before the first run. */
  async watch(): Promise<void> {
    for (const file of [this.ledgerFile, this.notesFile, this.stateFile]) await this.readGuarded(file);
  }

  private async readGuarded(file: string): Promise<string | null> {
    const text = await readTextIfExists(file);
    this.guard.read(file, text);
    return text;
  }

  private async writeGuarded(file: string, content: string): Promise<void> {
    await atomicWrite(file, content);
    this.guard.wrote(file, content);
  }
}
