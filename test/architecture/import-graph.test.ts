/**
 * The import graph of src/ against the layers docs/ARCHITECTURE.md states: imports point inward (a layer
 * imports only the layers inside it, never a peer of its own ring), core touches no I/O, and no file
 * reaches itself again through its imports (type-only imports count: they tie modules together too).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/shared.ts";

/** Innermost first; a folder may import its own folder and any folder of an earlier ring. */
const RINGS: string[][] = [["core"], ["io", "engine"], ["agent", "research"], ["local", "github", "action"]];

const src = path.join(repoRoot, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith(".ts") ? [p] : [];
  });
}

/** A file's imports (static, re-exports, dynamic; type-only too) as written, read by TypeScript's parser. */
function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier)
      specs.push((node.moduleSpecifier as ts.StringLiteral).text);
    else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    )
      specs.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specs;
}

const graph = new Map(sourceFiles(src).map((file) => [path.relative(src, file), importsOf(file)] as const));

const folderOf = (file: string): string => file.split(path.sep)[0] ?? "";
const ringOf = (folder: string): number => RINGS.findIndex((ring) => ring.includes(folder));
const localTargets = (file: string): string[] =>
  (graph.get(file) ?? [])
    .filter((spec) => spec.startsWith("."))
    .map((spec) => path.normalize(path.join(path.dirname(file), spec)));

describe("the import graph of src/", () => {
  it("places every folder of src/ in a layer", () => {
    const folders = new Set([...graph.keys()].map(folderOf).filter((f) => !f.endsWith(".ts")));
    expect([...folders].filter((f) => ringOf(f) < 0)).toEqual([]);
  });

  it("points inward: no import of a peer or an outer layer", () => {
    const wrong: string[] = [];
    for (const file of graph.keys()) {
      const from = folderOf(file);
      for (const target of localTargets(file)) {
        const to = folderOf(target);
        if (to !== from && ringOf(to) >= ringOf(from)) wrong.push(`${file} -> ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("keeps core free of I/O: no Node built-in module", () => {
    const io = [...graph]
      .filter(([file]) => folderOf(file) === "core")
      .flatMap(([file, specs]) => specs.filter((s) => s.startsWith("node:")).map((s) => `${file}: ${s}`));
    expect(io).toEqual([]);
  });

  it("has no cycles", () => {
    // Tarjan's strongly connected components; any component of more than one file is a cycle.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      index.set(v, index.size);
      low.set(v, index.get(v) ?? 0);
      stack.push(v);
      onStack.add(v);
      for (const w of localTargets(v).filter((t) => graph.has(t))) {
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string | undefined;
        do {
          w = stack.pop();
          if (w !== undefined) {
            onStack.delete(w);
            component.push(w);
          }
        } while (w !== undefined && w !== v);
        if (component.length > 1) cycles.push(component.sort());
      }
    };
    for (const file of graph.keys()) if (!index.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it("sees the imports it checks (a sanity check of the reader itself)", () => {
    expect(localTargets(path.join("engine", "ask-fix.ts"))).toContain(path.join("core", "allow-list.ts"));
    expect(graph.size).toBeGreaterThan(100);
  });
});
