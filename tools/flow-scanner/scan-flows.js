// Lints every *.flow-meta.xml under the directories given with Lightning Flow Scanner (pinned in
// package-lock.json). Every rule runs as an error unless flow-scanner.json says otherwise (each
// exception there carries its reason); any error fails the run.
//   node tools/flow-scanner/scan-flows.js <dir>...
"use strict";
const fs = require("fs");
const path = require("path");
const { parse, scan } = require("@flow-scanner/lightning-flow-scanner-core");

function flowFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return flowFiles(full);
    return entry.name.endsWith(".flow-meta.xml") ? [full] : [];
  });
}

async function main(dirs) {
  const config = JSON.parse(fs.readFileSync(path.join(__dirname, "flow-scanner.json"), "utf8"));
  const files = dirs.flatMap(flowFiles);
  if (files.length === 0) throw new Error(`no flows under ${dirs.join(", ")}`);
  const results = scan(await parse(files), config);
  let errors = 0;
  for (const result of results) {
    for (const rule of result.ruleResults.filter((r) => r.occurs)) {
      for (const detail of rule.details) {
        const severity = rule.severity || "warning";
        if (severity === "error") errors += 1;
        console.log(`${severity}: ${result.flow.name}: ${rule.ruleName}: ${detail.name}`);
      }
    }
  }
  console.log(`${files.length} flows scanned, ${errors} errors`);
  return errors === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`error: ${error.message}`);
    process.exit(2);
  },
);
