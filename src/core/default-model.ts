/**
 * The Claude model caddie uses when nothing names one: the config's `agent.model` default, research
 * grading, the config `caddie init` writes, and what `caddie doctor` checks. One constant, so a retired
 * model is replaced in one place. It is a current model that the installed @anthropic-ai/sdk does not
 * mark deprecated; test/agent/default-model.test.ts fails when the SDK starts warning about it.
 */
export const DEFAULT_MODEL = "claude-sonnet-5-5";
