/**
 * `npm start` entry: `probot run ./src/github/index.ts` loads this default export. Probot reads APP_ID,
 * PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, LOG_LEVEL, and GHE_HOST / GHE_PROTOCOL for GitHub
 * Enterprise Server; the app itself reads ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL, CADDIE_MODEL).
 */
import { createCaddieApp } from "./app.ts";

export default createCaddieApp({ env: process.env });
