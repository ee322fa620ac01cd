// Checks that a rendered overlay (`kubectl kustomize ...`) is what Riposte
// needs, beyond schema validity (validate_k8s.js), and extracts the
// riposted.yaml it mounts:
//
//   node deploy/check_rendered.js --tools DIR --rendered FILE \
//       --policy-library DIR --rules FILE --config-out FILE \
//       --replicas N --strategy Recreate|RollingUpdate
//
// Checks:
//   - no Secret object is rendered (the manifests reference Secrets only);
//   - the riposted container runs as 10001, non-root, read-only root
//     filesystem, no privilege escalation, all capabilities dropped,
//     seccomp RuntimeDefault, with /tmp writable, resource requests and
//     limits, and startup/liveness/readiness probes on a declared port that
//     is not a (TLS-incapable) kubelet gRPC probe;
//   - replicas and update strategy are as given;
//   - the riposted.yaml mounted for --config: every file it names (TLS,
//     tokens, client secrets) is under a Secret mount that provides it, the
//     policy path is the policy ConfigMap's mount, data_dir is a writable
//     volume, and the gRPC and metrics ports match the container's ports,
//     the probes and the scrape annotations;
//   - with store.engine postgres (several replicas share the database):
//     store.postgres.dsn_file on a Secret mount (never dsn_env), no
//     PersistentVolumeClaim, rolling updates that never go below the
//     replica count (maxUnavailable 0, maxSurge 1), a PodDisruptionBudget
//     that keeps at least one pod serving, replicas spread over nodes, and
//     a NetworkPolicy that allows DNS, HTTPS and PostgreSQL (5432) out;
//     with sqlite, exactly one replica (an SQLite file has one writer);
//   - the policy ConfigMap holds exactly the files of --policy-library;
//   - the PrometheusRule (when rendered) has exactly the groups of --rules,
//     and the ServiceMonitor scrapes a port the Service has.
// The mounted riposted.yaml is written to --config-out with policy.path
// replaced by --policy-library, for `riposted --check-config`.
//
// Exit status: 0 all good, 1 a check failed, 2 bad usage.
"use strict";

const fs = require("fs");
const path = require("path");
const util = require("util");
const { pathToFileURL } = require("url");

function usage(message) {
  console.error(`check_rendered: ${message}`);
  process.exit(2);
}

function parseArgs(argv) {
  const names = ["tools", "rendered", "policy-library", "rules",
                 "config-out", "replicas", "strategy"];
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, "");
    if (!names.includes(name) || i + 1 >= argv.length) {
      usage(`bad argument ${argv[i]}`);
    }
    args[name] = argv[i + 1];
  }
  for (const n of names) if (!(n in args)) usage(`--${n} is required`);
  return args;
}

const failures = [];
function check(condition, message) {
  if (!condition) failures.push(message);
  return condition;
}

// True when `p` is `dir` or below it.
function isUnder(p, dir) {
  const rel = path.posix.relative(dir, p);
  return rel === "" || (!rel.startsWith("..") && !path.posix.isAbsolute(rel));
}

function portOf(listen) {
  const colon = String(listen).lastIndexOf(":");
  return Number(String(listen).slice(colon + 1));
}

// Whether `selector` (matchLabels only) selects the riposted pods.
function selectsRiposted(selector, pod) {
  const labels = pod.metadata ? pod.metadata.labels || {} : {};
  const want = (selector || {}).matchLabels || {};
  return Object.keys(want).length > 0 &&
         Object.entries(want).every(([k, v]) => labels[k] === v);
}

// What a replicated deployment on PostgreSQL needs.
function checkReplicated(find, deployment, pod, volumes) {
  const replicas = deployment.spec.replicas;
  check(replicas >= 2, `store.engine postgres with ${replicas} replica(s): ` +
                       "the point is several");
  check(find("PersistentVolumeClaim").length === 0 &&
        [...volumes.values()].every((v) => !v.persistentVolumeClaim),
        "a PersistentVolumeClaim with store.engine postgres: the state is in " +
        "the database, and a ReadWriteOnce volume would pin the replicas");
  const rolling = (deployment.spec.strategy || {}).rollingUpdate || {};
  check(String(rolling.maxUnavailable) === "0" && String(rolling.maxSurge) === "1",
        "rollingUpdate must be maxUnavailable 0, maxSurge 1 (a new pod is " +
        `ready before an old one goes), got ${JSON.stringify(rolling)}`);

  const template = deployment.spec.template;
  const pdbs = find("PodDisruptionBudget",
                    (d) => selectsRiposted(d.spec.selector, template));
  if (check(pdbs.length === 1, "expected one PodDisruptionBudget for riposted")) {
    const spec = pdbs[0].spec;
    const keeps = spec.minAvailable !== undefined && spec.minAvailable !== null
      ? Number(spec.minAvailable)
      : replicas - Number(spec.maxUnavailable);
    check(Number.isInteger(keeps) && keeps >= 1 && keeps < replicas,
          "the PodDisruptionBudget must keep at least one pod serving and " +
          `let drains take one (keeps ${keeps} of ${replicas})`);
  }

  const spreads = (pod.topologySpreadConstraints || []).some(
    (c) => c.topologyKey === "kubernetes.io/hostname" &&
           c.whenUnsatisfiable === "DoNotSchedule" &&
           selectsRiposted(c.labelSelector, template));
  const anti = ((pod.affinity || {}).podAntiAffinity || {});
  const avoids = [...(anti.preferredDuringSchedulingIgnoredDuringExecution || [])
                    .map((t) => t.podAffinityTerm),
                  ...(anti.requiredDuringSchedulingIgnoredDuringExecution || [])]
    .some((t) => t && t.topologyKey === "kubernetes.io/hostname" &&
                 selectsRiposted(t.labelSelector, template));
  check(spreads && avoids,
        "replicas must be spread over nodes (a hostname topology spread " +
        "constraint, DoNotSchedule, and pod anti-affinity on hostname)");

  const policies = find("NetworkPolicy",
                        (d) => selectsRiposted(d.spec.podSelector, template));
  const egressPorts = new Set(policies.flatMap((np) => (np.spec.egress || [])
    .filter((rule) => (rule.to || []).length > 0)
    .flatMap((rule) => (rule.ports || []).map((p) => Number(p.port)))));
  for (const [port, what] of [[53, "DNS"], [443, "HTTPS"], [5432, "PostgreSQL"]]) {
    check(egressPorts.has(port),
          `the NetworkPolicy must allow ${what} (${port}) out`);
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const nodeModules = path.join(path.resolve(args.tools), "node_modules");
  const YAML = await import(
    pathToFileURL(path.join(nodeModules, "yaml", "dist", "index.js")).href);
  const docs = YAML.parseAllDocuments(
    fs.readFileSync(args.rendered, "utf8"), { version: "1.1" })
    .map((d) => d.toJS()).filter((d) => d);
  const find = (kind, pred = () => true) =>
    docs.filter((d) => d.kind === kind && pred(d));

  // Secrets are referenced, never shipped.
  check(find("Secret").length === 0,
        "a Secret object is rendered: the manifests must only reference Secrets");

  const deployments = find("Deployment", (d) => d.metadata.name === "riposted");
  if (!check(deployments.length === 1, "expected one Deployment riposted")) {
    return;
  }
  const deployment = deployments[0];
  const pod = deployment.spec.template.spec;
  const container = (pod.containers || []).find((c) => c.name === "riposted");
  if (!check(container, "the Deployment has no container riposted")) return;

  // Replicas and strategy.
  check(deployment.spec.replicas === Number(args.replicas),
        `replicas is ${deployment.spec.replicas}, expected ${args.replicas}`);
  const strategy = (deployment.spec.strategy || {}).type || "RollingUpdate";
  check(strategy === args.strategy,
        `strategy is ${strategy}, expected ${args.strategy}`);

  // Security context.
  const psc = pod.securityContext || {};
  const csc = container.securityContext || {};
  check(psc.runAsNonRoot === true || csc.runAsNonRoot === true,
        "runAsNonRoot must be true");
  check((csc.runAsUser ?? psc.runAsUser) === 10001, "runAsUser must be 10001");
  check(csc.allowPrivilegeEscalation === false,
        "allowPrivilegeEscalation must be false");
  check(csc.readOnlyRootFilesystem === true,
        "readOnlyRootFilesystem must be true");
  check(((csc.capabilities || {}).drop || []).includes("ALL"),
        "capabilities must drop ALL");
  check(((csc.seccompProfile || psc.seccompProfile) || {}).type === "RuntimeDefault",
        "seccompProfile must be RuntimeDefault");
  check(pod.automountServiceAccountToken === false,
        "riposted needs no Kubernetes API token: automountServiceAccountToken: false");

  // Resources.
  const res = container.resources || {};
  for (const kind of ["requests", "limits"]) {
    for (const r of ["cpu", "memory"]) {
      check(res[kind] && res[kind][r] !== undefined, `resources.${kind}.${r} is not set`);
    }
  }

  // Volumes and mounts.
  const volumes = new Map((pod.volumes || []).map((v) => [v.name, v]));
  const mounts = container.volumeMounts || [];
  const mountFor = (p) => mounts
    .filter((m) => isUnder(p, m.mountPath))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  for (const m of mounts) {
    check(volumes.has(m.name), `volumeMount ${m.mountPath} names no volume ${m.name}`);
  }
  const tmp = mountFor("/tmp/x");
  check(tmp && tmp.mountPath === "/tmp" && !tmp.readOnly,
        "/tmp must be a writable volume (the root filesystem is read-only)");

  // Ports and probes.
  const ports = new Map((container.ports || []).map((p) => [p.name, p.containerPort]));
  const probePort = (probe) => {
    const port = (probe.httpGet || probe.tcpSocket || {}).port;
    return typeof port === "string" ? ports.get(port) : port;
  };
  for (const name of ["startupProbe", "livenessProbe", "readinessProbe"]) {
    const probe = container[name];
    if (!check(probe, `${name} is missing`)) continue;
    check(!probe.grpc,
          `${name} is a kubelet gRPC probe, which cannot speak TLS; riposted ` +
          "serves gRPC only over TLS off loopback");
    if (probe.httpGet || probe.tcpSocket) {
      check(probePort(probe) !== undefined &&
            [...ports.values()].includes(probePort(probe)),
            `${name} probes a port the container does not declare`);
    }
  }

  // The mounted riposted.yaml.
  const configIndex = (container.args || []).indexOf("--config");
  if (!check(configIndex >= 0 && configIndex + 1 < container.args.length,
             "riposted is not started with --config FILE")) {
    return;
  }
  const configPath = container.args[configIndex + 1];
  const configMount = mountFor(configPath);
  const configVolume = configMount && volumes.get(configMount.name);
  if (!check(configVolume && configVolume.configMap,
             `--config ${configPath} is not on a ConfigMap volume`)) {
    return;
  }
  const configKey = configMount.subPath ||
      path.posix.relative(configMount.mountPath, configPath);
  const configMap = find("ConfigMap",
                         (d) => d.metadata.name === configVolume.configMap.name)[0];
  if (!check(configMap && configMap.data && configKey in configMap.data,
             `ConfigMap ${configVolume.configMap.name} has no key ${configKey}`)) {
    return;
  }
  const configText = configMap.data[configKey];
  const configDoc = YAML.parseDocument(configText);
  if (!check(configDoc.errors.length === 0,
             `${configKey}: ${configDoc.errors.map((e) => e.message).join("; ")}`)) {
    return;
  }
  const config = configDoc.toJS() || {};

  // Files read at start-up must come from a Secret mount that has them.
  const secretFiles = [];
  const tls = (config.grpc || {}).tls || {};
  for (const k of ["cert_file", "key_file", "client_ca_file"]) {
    if (tls[k]) secretFiles.push([`grpc.tls.${k}`, tls[k]]);
  }
  if ((config.auth || {}).tokens_file) {
    secretFiles.push(["auth.tokens_file", config.auth.tokens_file]);
  }
  for (const t of config.tenants || []) {
    for (const section of ["graph", "gateway"]) {
      if (t[section] && t[section].client_secret_file) {
        secretFiles.push([`tenants[${t.id}].${section}.client_secret_file`,
                          t[section].client_secret_file]);
      }
      if (t[section] && t[section].client_secret_env) {
        check(false, `tenants[${t.id}].${section}: use client_secret_file ` +
                     "from a Secret mount, not an environment variable");
      }
    }
    for (const w of t.webhooks || []) {
      if (w.hmac_secret_file) {
        secretFiles.push([`tenants[${t.id}].webhooks[${w.name}].hmac_secret_file`,
                          w.hmac_secret_file]);
      }
    }
  }
  const store = config.store || {};
  const postgres = store.engine === "postgres";
  if (postgres) {
    const pg = store.postgres || {};
    check(!pg.dsn_env, "store.postgres: use dsn_file from a Secret mount, not " +
                       "dsn_env (an environment variable shows in the pod spec)");
    if (check(pg.dsn_file, "store.postgres.dsn_file must be set")) {
      secretFiles.push(["store.postgres.dsn_file", pg.dsn_file]);
    }
  }
  check(tls.cert_file && tls.key_file, "grpc.tls must be on (cert_file, key_file)");
  check(secretFiles.some(([k]) => k === "auth.tokens_file"),
        "auth.tokens_file must be set");
  check(secretFiles.some(([k]) => k.endsWith(".graph.client_secret_file")),
        "a tenant must reach Graph with graph.client_secret_file");
  for (const [key, file] of secretFiles) {
    const m = mountFor(file);
    const v = m && volumes.get(m.name);
    if (!check(v && v.secret, `${key} ${file} is not on a Secret volume`)) continue;
    const rel = path.posix.relative(m.mountPath, file);
    if (v.secret.items) {
      check(v.secret.items.some((i) => i.path === rel),
            `${key} ${file}: Secret ${v.secret.secretName} mounted at ` +
            `${m.mountPath} does not provide ${rel}`);
    }
    check(!v.secret.optional, `${key}: Secret ${v.secret.secretName} must not be optional`);
  }

  // The policy: the policy ConfigMap's mount, holding the library.
  const policyPath = (config.policy || {}).path;
  if (check(policyPath, "policy.path must be set")) {
    const m = mountFor(policyPath);
    const v = m && volumes.get(m.name);
    if (check(v && v.configMap && m.mountPath === policyPath && !m.subPath,
              `policy.path ${policyPath} must be a ConfigMap mounted there as ` +
              "a directory (no subPath, so that edits reach the pod)")) {
      const cm = find("ConfigMap", (d) => d.metadata.name === v.configMap.name)[0];
      check(cm, `no ConfigMap ${v.configMap.name}`);
      const library = Object.fromEntries(
        fs.readdirSync(args["policy-library"])
          .filter((f) => /\.ya?ml$/.test(f) && !f.startsWith("."))
          .map((f) => [f, fs.readFileSync(path.join(args["policy-library"], f), "utf8")]));
      const data = (cm && cm.data) || {};
      check(util.isDeepStrictEqual(data, library),
            `ConfigMap ${v.configMap.name} differs from policies/library ` +
            `(has ${Object.keys(data).sort().join(", ")}; library has ` +
            `${Object.keys(library).sort().join(", ")}): run deploy/sync_copies.sh`);
    }
  }

  // Several replicas: only on a shared database, and kept serving.
  if (postgres) {
    checkReplicated(find, deployment, pod, volumes);
  } else {
    check(deployment.spec.replicas === 1,
          `store.engine ${store.engine || "sqlite"} with ` +
          `${deployment.spec.replicas} replicas: an SQLite store has one ` +
          "writer; several replicas need engine postgres");
  }

  // data_dir: a writable volume.
  if (check(config.data_dir, "data_dir must be set")) {
    const m = mountFor(config.data_dir);
    const v = m && volumes.get(m.name);
    check(m && !m.readOnly && v && !v.configMap && !v.secret,
          `data_dir ${config.data_dir} must be on a writable volume`);
  }

  // Ports: config, container, probes, annotations.
  const grpcPort = portOf((config.grpc || {}).listen || "");
  const metricsPort = portOf((config.metrics || {}).listen || "");
  check(ports.get("grpc") === grpcPort,
        `grpc.listen port ${grpcPort} is not the container port "grpc"`);
  check(ports.get("metrics") === metricsPort,
        `metrics.listen port ${metricsPort} is not the container port "metrics"`);
  check(String((config.metrics || {}).listen).startsWith("0.0.0.0:"),
        "metrics.listen must listen on 0.0.0.0 for probes and Prometheus");
  // Readiness follows the store's writability (/readyz); startup and
  // liveness must not, or a full disk would restart riposted in a loop.
  const probePaths = {
    startupProbe: "/healthz",
    livenessProbe: "/healthz",
    readinessProbe: "/readyz",
  };
  for (const [name, path] of Object.entries(probePaths)) {
    if (container[name]) {
      check(probePort(container[name]) === metricsPort &&
            (container[name].httpGet || {}).path === path,
            `${name} must probe ${path} on the metrics port`);
    }
  }
  const annotations = deployment.spec.template.metadata.annotations || {};
  check(annotations["prometheus.io/scrape"] === "true" &&
        Number(annotations["prometheus.io/port"]) === metricsPort,
        "the pod's prometheus.io annotations must name the metrics port");

  // Monitoring objects.
  const service = find("Service", (d) => d.metadata.name === "riposte")[0];
  check(service, "no Service riposte");
  for (const sm of find("ServiceMonitor")) {
    for (const ep of sm.spec.endpoints || []) {
      check(service && service.spec.ports.some((p) => p.name === ep.port),
            `ServiceMonitor ${sm.metadata.name} scrapes port ${ep.port}, ` +
            "which the Service does not have");
    }
  }
  const rules = YAML.parse(fs.readFileSync(args.rules, "utf8"));
  const promRules = find("PrometheusRule");
  for (const pr of promRules) {
    check(util.isDeepStrictEqual(pr.spec.groups, rules.groups),
          `PrometheusRule ${pr.metadata.name} differs from ${path.basename(args.rules)}: ` +
          "run deploy/sync_copies.sh");
  }

  // The config, policy pointed at the library, for riposted --check-config.
  configDoc.setIn(["policy", "path"], path.resolve(args["policy-library"]));
  fs.writeFileSync(args["config-out"], String(configDoc));

  console.log(`check_rendered: ${path.basename(args.rendered)}: ` +
              `${docs.length} objects; riposted.yaml from ConfigMap ` +
              `${configMap.metadata.name} (${secretFiles.length} secret files ` +
              `on Secret mounts); ${promRules.length} PrometheusRule(s) checked ` +
              "against the rules file");
}

main().then(() => {
  for (const f of failures) console.log(`FAIL ${f}`);
  process.exit(failures.length > 0 ? 1 : 0);
}).catch((e) => {
  console.error(`check_rendered: ${e.stack || e}`);
  process.exit(1);
});
