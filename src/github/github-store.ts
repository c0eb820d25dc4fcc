/**
 * The engine's Store on `caddie/state`, as a unit of work: reads come from one snapshot, writes are
 * buffered, and `flush` commits them all at once (one compare-and-swap). On a conflict each written file
 * is merged three-way onto the other writer's version, so concurrent decisions are all kept.
 */
import { formatLedger, parseLedger, type LedgerRow } from "../core/ledger.ts";
import { emptyNotes, renderNotes } from "../core/notes.ts";
import type { LoopState, Store } from "../engine/ports.ts";
import { formatBotState, parseBotState, type BotState } from "./bot-state.ts";
import { mergeStateFile } from "./merge-state-file.ts";
import type { StateBranch, StateSnapshot } from "./state-branch.ts";

export const STATE_FILES = {
  ledger: "results.tsv",
  notes: "notes.md",
  state: "state.json",
  bot: "bot.json",
  spend: "spend.json",
} as const;

export class GitHubStore implements Store {
  private readonly writes = new Map<string, string>();
  // Writes that are a function of the file (see `edit`): re-applied, not merged, when another writer won.
  private readonly edits = new Map<string, (text: string | undefined) => string>();
  // Parsed forms kept between calls: the engine reads the ledger and bot.json many times per decision,
  // and a batch of decisions would otherwise re-parse and re-render them for every read and write.
  private rows: LedgerRow[] | null = null;
  private botState: BotState | null = null;
  private dirtyRows = false;
  private dirtyBot = false;

  private constructor(
    private readonly branch: StateBranch,
    private snapshot: StateSnapshot,
  ) {}

  static async open(branch: StateBranch): Promise<GitHubStore> {
    return new GitHubStore(branch, await branch.read());
  }

  text(path: string): string | undefined {
    this.materialize();
    return this.writes.get(path) ?? this.snapshot.files[path];
  }

  /** Renders the parsed forms that changed into their files. */
  private materialize(): void {
    if (this.dirtyRows && this.rows) this.writes.set(STATE_FILES.ledger, formatLedger(this.rows));
    if (this.dirtyBot && this.botState) this.writes.set(STATE_FILES.bot, formatBotState(this.botState));
    this.dirtyRows = false;
    this.dirtyBot = false;
  }

  put(path: string, text: string): void {
    this.writes.set(path, text);
  }

  /**
   * A write that is a function of the file's current text. On a compare-and-swap conflict `apply` runs
   * again on the other writer's version instead of a three-way merge, so a rule checked in `apply` (a
   * spend reservation that must fit) is checked against what the other writer holds. `apply` may throw
   * to abort the flush; the caller then `forget`s the path and decides what to tell the user.
   */
  edit(path: string, apply: (text: string | undefined) => string): void {
    const before = this.edits.get(path);
    const composed = before ? (text: string | undefined) => apply(before(text)) : apply;
    this.writes.set(path, apply(this.text(path)));
    this.edits.set(path, composed);
  }

  /** Drops the buffered write of one file (after an `edit` that can no longer apply). */
  forget(path: string): void {
    this.writes.delete(path);
    this.edits.delete(path);
  }

  get dirty(): boolean {
    this.materialize();
    return [...this.writes].some(([path, text]) => this.snapshot.files[path] !== text);
  }

  async readLedger(): Promise<LedgerRow[]> {
    if (!this.rows) {
      const text = this.writes.get(STATE_FILES.ledger) ?? this.snapshot.files[STATE_FILES.ledger];
      this.rows = text === undefined ? [] : parseLedger(text);
    }
    return [...this.rows];
  }

  async writeLedger(rows: LedgerRow[]): Promise<void> {
    this.rows = [...rows];
    this.dirtyRows = true;
  }

  async readNotes(): Promise<string> {
    return this.text(STATE_FILES.notes) ?? renderNotes(emptyNotes());
  }

  async writeNotes(markdown: string): Promise<void> {
    this.put(STATE_FILES.notes, markdown);
  }

  async readState(): Promise<LoopState> {
    const text = this.text(STATE_FILES.state);
    if (text === undefined) return { counter: 0, experiments: {} };
    const parsed = JSON.parse(text) as Partial<LoopState>;
    return { counter: parsed.counter ?? 0, experiments: parsed.experiments ?? {} };
  }

  async writeState(state: LoopState): Promise<void> {
    this.put(STATE_FILES.state, `${JSON.stringify(state, null, 2)}\n`);
  }

  /** bot.json, parsed once; treat the result as read-only and write changes back with setBot. */
  bot(): BotState {
    this.botState ??= parseBotState(this.writes.get(STATE_FILES.bot) ?? this.snapshot.files[STATE_FILES.bot]);
    return this.botState;
  }

  setBot(state: BotState): void {
    this.botState = state;
    this.dirtyBot = true;
  }

  /** Commits every buffered write in one commit; a no-op when nothing changed. */
  async flush(message: string): Promise<void> {
    this.materialize();
    if (!this.dirty) return;
    const base = this.snapshot.files;
    const writes = new Map(this.writes);
    const edits = new Map(this.edits);
    this.snapshot = await this.branch.update((theirs) => {
      const changes: Record<string, string> = {};
      for (const [path, ours] of writes) {
        const edit = edits.get(path);
        changes[path] =
          edit && theirs[path] !== base[path]
            ? edit(theirs[path])
            : mergeStateFile(path, base[path], ours, theirs[path]);
      }
      return changes;
    }, message);
    this.writes.clear();
    this.edits.clear();
  }
}
