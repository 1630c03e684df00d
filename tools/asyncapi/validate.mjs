// Validate AsyncAPI documents with the official parser (@asyncapi/parser,
// pinned in package.json), offline.
//
//   node tools/asyncapi/validate.mjs FILE...   (`-` reads one document from stdin)
//
// Prints one JSON object on stdout: {"documents": {FILE: [diagnostic, ...]},
// "errors": N, "parser": VERSION}, each diagnostic {severity, code, message,
// path, line} with severity one of error, warning, information, hint.
// Exits 0 when no document has a diagnostic of severity error, 1 when one
// has, 2 on a usage or read problem.

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

// The package's ESM build imports without file extensions, which Node's ESM
// loader refuses; its CommonJS build is what Node runs.
const require = createRequire(import.meta.url);
const { Parser } = require("@asyncapi/parser");
const { version } = require("@asyncapi/parser/package.json");

const SEVERITIES = ["error", "warning", "information", "hint"];

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function plain(diagnostic) {
  return {
    severity: SEVERITIES[diagnostic.severity] ?? String(diagnostic.severity),
    code: String(diagnostic.code ?? ""),
    message: diagnostic.message,
    path: (diagnostic.path ?? []).map(String),
    // 1-based, as editors count.
    line: diagnostic.range ? diagnostic.range.start.line + 1 : null,
  };
}

async function main(files) {
  if (files.length === 0) {
    process.stderr.write("usage: node validate.mjs FILE... (- for stdin)\n");
    return 2;
  }
  const parser = new Parser();
  const documents = {};
  let errors = 0;
  for (const file of files) {
    let text;
    try {
      text = file === "-" ? await readStdin() : await readFile(file, "utf8");
    } catch (error) {
      process.stderr.write(`cannot read ${file}: ${error.message}\n`);
      return 2;
    }
    const source = file === "-" ? undefined : file;
    const { diagnostics } = await parser.parse(text, { source });
    const found = diagnostics.map(plain);
    errors += found.filter((d) => d.severity === "error").length;
    documents[file] = found;
  }
  process.stdout.write(JSON.stringify({ parser: version, errors, documents }) + "\n");
  return errors ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
