/**
 * `npm start`: runs the App's webhook server (serve.ts) from the environment, or says in one line which
 * credential is missing and exits 2. (Not `probot run`: it would start without a webhook secret.)
 */
import { MissingCredential } from "../io/app-credentials.ts";
import { serve } from "./serve.ts";

try {
  await serve(process.env);
} catch (error) {
  if (!(error instanceof MissingCredential)) throw error;
  process.stderr.write(`caddie: refusing to start: ${error.message}\n`);
  process.exit(2);
}
