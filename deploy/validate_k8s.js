// Validates Kubernetes manifests offline against the schemas of their
// apiVersion and kind.
//
//   node deploy/validate_k8s.js --tools DIR FILE.yaml...
//   node deploy/validate_k8s.js --tools DIR --expect-invalid FILE.yaml...
//
// DIR is what deploy/install_test_tools.sh printed: it holds node_modules
// with kubernetes-models (every built-in kind, compiled from the Kubernetes
// OpenAPI schemas) and @kubernetes-models/prometheus-operator (the
// monitoring.coreos.com CRDs). Each YAML document is checked against the
// schema for its apiVersion and kind: types, enums, patterns, required
// fields. On top of the schema, fields the schema does not know are errors,
// as the API server's strict field validation (kubectl's default) makes
// them: a typo such as readOnlyRootFileSystem would otherwise pass
// silently. A field is "unknown" when the schema's validator never looked
// at it; objects the schema treats as maps (labels, resources.limits) are
// exempt.
//
// A built-in apiVersion/kind without a schema (a typo) is an error. (Old
// API versions that Kubernetes has since removed, such as policy/v1beta1,
// still have schemas in kubernetes-models and are not caught.) A custom resource kind without a
// schema here is skipped, with a note saying so.
//
// Exit status: 0 all valid (or, with --expect-invalid, every document
// invalid), 1 otherwise, 2 bad usage.
"use strict";

const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");

// API groups whose kinds ship with Kubernetes: a missing schema there is a
// mistake, never a custom resource.
const BUILT_IN_GROUPS = new Set([
  "", "apps", "batch", "autoscaling", "policy", "extensions",
]);
function isBuiltInGroup(group) {
  return BUILT_IN_GROUPS.has(group) || group.endsWith(".k8s.io");
}

// Packages holding schemas for custom resource groups.
const CRD_PACKAGES = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

function usage(message) {
  if (message) console.error(`validate_k8s: ${message}`);
  console.error(
    "usage: node validate_k8s.js --tools DIR [--expect-invalid] FILE.yaml...");
  process.exit(2);
}

function parseArgs(argv) {
  const args = { tools: "", expectInvalid: false, files: [] };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === "--tools") {
      if (i + 1 >= argv.length) usage("--tools needs a directory");
      args.tools = argv[++i];
    } else if (a === "--expect-invalid") {
      args.expectInvalid = true;
    } else if (a.startsWith("-")) {
      usage(`unknown option ${a}`);
    } else {
      args.files.push(a);
    }
  }
  if (!args.tools) usage("--tools is required");
  if (args.files.length === 0) usage("no files");
  return args;
}

// The module file that defines apiVersion/kind, or "" when none does.
function schemaModule(nodeModules, apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const pkg = group === "" || isBuiltInGroup(group)
    ? "kubernetes-models" : CRD_PACKAGES[group];
  if (!pkg) return { group, file: "" };
  const dir = group === "" ? version : `${group}/${version}`;
  const file = path.join(nodeModules, pkg, dir, `${kind}.js`);
  return { group, file: fs.existsSync(file) ? file : "" };
}

// Wraps `value` so that every property the validator reads is recorded.
// Returns the wrapped value; `records` receives one entry per object.
function track(value, pointer, records) {
  if (value === null || typeof value !== "object") return value;
  const record = { pointer, value, read: new Set(), wholeMap: false };
  records.push(record);
  const copy = Array.isArray(value)
    ? value.map((v, i) => track(v, `${pointer}/${i}`, records))
    : Object.fromEntries(Object.entries(value).map(
        ([k, v]) => [k, track(v, `${pointer}/${k}`, records)]));
  const note = (key) => {
    if (typeof key === "string") record.read.add(key);
  };
  return new Proxy(copy, {
    get(target, key, receiver) {
      note(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      note(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      note(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    // Enumerating the keys is what a map-typed schema
    // (additionalProperties) does: every key is then accounted for.
    ownKeys(target) {
      record.wholeMap = true;
      return Reflect.ownKeys(target);
    },
  });
}

// Returns the list of problems with one document ([] when valid), or null
// when it has to be skipped.
async function validateDocument(nodeModules, doc, notes) {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    return ["document is not a mapping"];
  }
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return ["apiVersion and kind are required"];
  }
  const problems = [];
  if (!doc.metadata || typeof doc.metadata.name !== "string" ||
      doc.metadata.name === "") {
    problems.push("metadata.name is required");
  }
  const { group, file } = schemaModule(nodeModules, apiVersion, kind);
  if (!file) {
    if (group === "" || isBuiltInGroup(group)) {
      return [`no schema for built-in ${apiVersion} ${kind}: ` +
              "a misspelt API version or kind"];
    }
    notes.push(`no schema available for custom resource ${apiVersion} ` +
               `${kind}; not validated`);
    return null;
  }
  const module = await import(pathToFileURL(file).href);
  const Model = module[kind];
  if (typeof Model !== "function" || !Model.prototype.validate) {
    return [`${file} defines no model ${kind}`];
  }
  const records = [];
  const tracked = track(doc, "", records);
  try {
    // The model's validate() runs the compiled schema on `this`.
    Model.prototype.validate.call(tracked);
  } catch (e) {
    const errors = Array.isArray(e.errors) ? e.errors : null;
    if (errors && errors.length > 0) {
      for (const err of errors) {
        problems.push(`${err.instancePath || "/"}: ${err.message}` +
                      (err.params && err.params.allowedValues
                        ? ` (${err.params.allowedValues.join(", ")})` : ""));
      }
    } else {
      problems.push(String(e.message || e));
    }
  }
  for (const r of records) {
    if (Array.isArray(r.value) || r.wholeMap) continue;
    for (const key of Object.keys(r.value)) {
      if (!r.read.has(key)) problems.push(`${r.pointer}/${key}: unknown field`);
    }
  }
  return problems;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const nodeModules = path.join(path.resolve(args.tools), "node_modules");
  if (!fs.existsSync(path.join(nodeModules, "kubernetes-models"))) {
    usage(`${nodeModules} has no kubernetes-models: ` +
          "run deploy/install_test_tools.sh");
  }
  const YAML = await import(
    pathToFileURL(path.join(nodeModules, "yaml", "dist", "index.js")).href);

  let valid = 0, invalid = 0, skipped = 0;
  for (const file of args.files) {
    const text = fs.readFileSync(file, "utf8");
    // YAML 1.1, as the API server reads manifests (0440 is octal, yes is
    // true).
    const docs = YAML.parseAllDocuments(text, { version: "1.1" });
    let index = 0;
    for (const d of docs) {
      ++index;
      if (d.errors.length > 0) {
        ++invalid;
        console.log(`FAIL ${file}#${index}: YAML: ${d.errors[0].message}`);
        continue;
      }
      const doc = d.toJS({ maxAliasCount: -1 });
      if (doc === null || doc === undefined) continue;  // an empty document
      const label = `${doc.apiVersion || "?"} ${doc.kind || "?"} ` +
          `${(doc.metadata && doc.metadata.namespace) ? doc.metadata.namespace + "/" : ""}` +
          `${(doc.metadata && doc.metadata.name) || "?"}`;
      const notes = [];
      const problems = await validateDocument(nodeModules, doc, notes);
      if (problems === null) {
        ++skipped;
        console.log(`SKIP ${label}: ${notes.join("; ")}`);
      } else if (problems.length === 0) {
        ++valid;
        console.log(`ok   ${label}`);
      } else {
        ++invalid;
        console.log(`FAIL ${label}`);
        for (const p of problems) console.log(`       ${p}`);
      }
    }
  }
  console.log(`validate_k8s: ${valid} valid, ${invalid} invalid, ` +
              `${skipped} skipped (no schema)`);
  if (args.expectInvalid) {
    if (valid > 0 || skipped > 0 || invalid === 0) {
      console.log("validate_k8s: expected every document to be invalid");
      process.exit(1);
    }
    process.exit(0);
  }
  process.exit(invalid > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(`validate_k8s: ${e.stack || e}`);
  process.exit(1);
});
