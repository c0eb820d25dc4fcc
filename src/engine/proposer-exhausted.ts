/**
 * What a proposer throws when it has nothing left to propose (every config of the sweep tried). The loop
 * stops and the App waits on it; any other error keeps its own meaning, whatever its message says.
 */
import { UserError } from "../core/user-error.ts";

export class ProposerExhausted extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "ProposerExhausted";
  }
}
