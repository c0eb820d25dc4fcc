// The bundle's entry (dist/index.js): everything else lives in main.ts, which tests import without running.
import { run } from "./main.ts";

await run();
