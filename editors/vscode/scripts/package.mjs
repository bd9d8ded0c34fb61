// Builds the .vsix for one VS Code target, with the distlint binary for that target in bin/.
//
//   npm run package                              for this machine (linux-x64, darwin-arm64, ...)
//   npm run package -- --target darwin-arm64     for another target (or DISTLINT_VSCODE_TARGET)
//   npm run package -- --universal               no binary and no target: the extension starts
//                                                `distlint` from PATH (or distlint.path)
//   npm run bundle-binary [-- --target T]        only put the binary into bin/
//
// Any other argument goes to `vsce package` (e.g. `--out x.vsix`, `--pre-release`).
//
// Which binary: $DISTLINT_BINARY when set. Otherwise, for this machine's target,
// `cargo build --release --locked -p distlint` in the repository (CARGO_TARGET_DIR honoured);
// for another target, `cargo build ... --target <Rust triple>` if that triple's standard library
// is installed (`rustup target add`), else it stops and says how to provide one. Whatever its
// source, the binary's header must show the target's OS and CPU (and, on Linux, glibc or musl):
// a binary for another platform is never bundled.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repo = path.resolve(here, "../..");

// The VS Code targets with a native binary (vsce's list, without `web`).
const TARGETS = {
  "linux-x64": { triple: "x86_64-unknown-linux-gnu", os: "linux", cpu: "x64", libc: "glibc" },
  "linux-arm64": { triple: "aarch64-unknown-linux-gnu", os: "linux", cpu: "arm64", libc: "glibc" },
  "linux-armhf": { triple: "armv7-unknown-linux-gnueabihf", os: "linux", cpu: "arm", libc: "glibc" },
  "alpine-x64": { triple: "x86_64-unknown-linux-musl", os: "linux", cpu: "x64", libc: "musl" },
  "alpine-arm64": { triple: "aarch64-unknown-linux-musl", os: "linux", cpu: "arm64", libc: "musl" },
  "darwin-x64": { triple: "x86_64-apple-darwin", os: "darwin", cpu: "x64" },
  "darwin-arm64": { triple: "aarch64-apple-darwin", os: "darwin", cpu: "arm64" },
  "win32-x64": { triple: "x86_64-pc-windows-msvc", os: "win32", cpu: "x64" },
  "win32-arm64": { triple: "aarch64-pc-windows-msvc", os: "win32", cpu: "arm64" },
};
const OS_NAMES = { linux: "Linux", darwin: "macOS", win32: "Windows" };

class Stop extends Error {}
const say = (message) => console.error(`package: ${message}`);

function main(argv) {
  const { target: requested, universal, binaryOnly, help, vsceArgs } = parseArgs(argv);
  if (help) {
    console.log(fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\nimport ")[0]);
    return 0;
  }
  // bin/ is made anew every time: a failed attempt leaves no binary of another target behind.
  fs.rmSync(path.join(here, "bin"), { recursive: true, force: true });
  if (universal) {
    if (requested) throw new Stop(`--universal and a target (${requested}) exclude each other`);
    say("universal .vsix: no target, no bundled binary (the extension uses distlint on PATH)");
    return binaryOnly ? 0 : vscePackage(undefined, vsceArgs);
  }

  const machine = machineTarget();
  const target = requested ?? machine.target;
  if (!target) throw new Stop(`${machine.reason}: pass --target <target> (${Object.keys(TARGETS).join(", ")})`);
  if (target === "web") {
    throw new Stop("the web target cannot start a language server; use --universal or a platform target");
  }
  const spec = TARGETS[target];
  if (!spec) throw new Stop(`unknown target ${target}; targets: ${Object.keys(TARGETS).join(", ")}`);
  say(`target ${target}${requested ? "" : " (this machine)"}`);

  const binary = findBinary(target, spec, target === machine.target);
  bundleBinary(binary, target, spec, target === machine.target);
  return binaryOnly ? 0 : vscePackage(target, vsceArgs);
}

function parseArgs(argv) {
  const result = { target: undefined, universal: false, binaryOnly: false, help: false, vsceArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--target" || arg === "-t") {
      if (i + 1 >= argv.length) throw new Stop(`${arg} needs a value, e.g. ${arg} darwin-arm64`);
      result.target = argv[++i];
    } else if (arg.startsWith("--target=")) {
      result.target = arg.slice("--target=".length);
    } else if (arg === "--universal") {
      result.universal = true;
    } else if (arg === "--binary-only") {
      result.binaryOnly = true;
    } else if (arg === "--help" || arg === "-h") {
      result.help = true;
    } else {
      result.vsceArgs.push(arg);
    }
  }
  const fromEnv = process.env.DISTLINT_VSCODE_TARGET?.trim();
  if (result.target === undefined && fromEnv) result.target = fromEnv;
  return result;
}

/** This machine's VS Code target, from process.platform, process.arch and (Linux) the libc. */
function machineTarget() {
  const cpu = process.arch === "arm" ? "armhf" : process.arch;
  let os = process.platform;
  if (os === "linux" && !process.report?.getReport?.()?.header?.glibcVersionRuntime) os = "alpine";
  const target = `${os}-${cpu}`;
  return TARGETS[target]
    ? { target }
    : { reason: `this machine (${process.platform}-${process.arch}) has no VS Code target` };
}

/** The binary to bundle: $DISTLINT_BINARY, else a cargo build for the target. */
function findBinary(target, spec, isMachine) {
  const given = process.env.DISTLINT_BINARY?.trim();
  if (given) {
    // Relative to where `npm run` was started (npm runs scripts in editors/vscode).
    const binary = path.resolve(process.env.INIT_CWD ?? process.cwd(), given);
    if (!fs.existsSync(binary)) throw new Stop(`DISTLINT_BINARY=${given}: no such file`);
    return binary;
  }
  const exe = spec.os === "win32" ? "distlint.exe" : "distlint";
  const targetDir = path.resolve(repo, process.env.CARGO_TARGET_DIR || "target");
  const cargo = ["build", "--release", "--locked", "-p", "distlint"];
  if (isMachine) {
    run("cargo", cargo, `building the release binary for this machine (${target})`);
    return path.join(targetDir, "release", exe);
  }
  if (!rustStdInstalled(spec.triple)) throw new Stop(howToProvide(target, spec, "its Rust standard library is not installed here"));
  const built = run("cargo", [...cargo, "--target", spec.triple], `cross-building for ${target} (${spec.triple})`, false);
  if (!built) throw new Stop(howToProvide(target, spec, "the cross build failed (see above)"));
  return path.join(targetDir, spec.triple, "release", exe);
}

function rustStdInstalled(triple) {
  const sysroot = spawnSync("rustc", ["--print", "sysroot"], { encoding: "utf8" });
  if (sysroot.status !== 0) return false;
  return fs.existsSync(path.join(sysroot.stdout.trim(), "lib", "rustlib", triple, "lib"));
}

function howToProvide(target, spec, why) {
  const exe = spec.os === "win32" ? "distlint.exe" : "distlint";
  return [
    `no distlint binary for ${target}: ${why}.`,
    `The .vsix for ${target} must contain a ${describeSpec(spec)} executable. Either build one`,
    `  - natively, on ${target}: cargo build --release --locked -p distlint, or`,
    `  - here: rustup target add ${spec.triple} && cargo build --release --locked -p distlint --target ${spec.triple}`,
    `    (needs a linker for ${spec.triple}),`,
    `then package it with`,
    `  DISTLINT_BINARY=/path/to/${exe} npm run package -- --target ${target}`,
    `(or package without a binary: npm run package -- --universal).`,
  ].join("\n");
}

/** Copies the binary into bin/ after checking that it is one for the target. */
function bundleBinary(binary, target, spec, isMachine) {
  const found = identify(binary);
  const problem = mismatch(found, spec);
  if (problem) {
    throw new Stop(
      `${binary} is ${problem}, not a ${describeSpec(spec)} executable.\n` +
        howToProvide(target, spec, "the given binary is for another platform").split("\n").slice(1).join("\n"),
    );
  }
  const name = spec.os === "win32" ? "distlint.exe" : "distlint";
  const bin = path.join(here, "bin");
  fs.rmSync(bin, { recursive: true, force: true });
  fs.mkdirSync(bin);
  fs.copyFileSync(binary, path.join(bin, name));
  fs.chmodSync(path.join(bin, name), 0o755);
  let version = `a ${describeFound(found)} executable`;
  if (isMachine) {
    const out = spawnSync(path.join(bin, name), ["--version"], { encoding: "utf8" });
    version = out.status === 0 ? out.stdout.trim() : `${version} that does not run here: ${out.error?.message ?? out.stderr.trim()}`;
  }
  say(`bin/${name} <- ${binary} (${version})`);
}

/** OS, CPUs and (Linux) libc of an executable, from its ELF, Mach-O or PE header. */
function identify(file) {
  const fd = fs.openSync(file, "r");
  try {
    const read = (offset, length) => {
      const buffer = Buffer.alloc(length);
      const n = fs.readSync(fd, buffer, 0, length, offset);
      return buffer.subarray(0, n);
    };
    const head = read(0, 64);
    if (head.length >= 52 && head.readUInt32BE(0) === 0x7f454c46) return identifyElf(head, read);
    if (head.length >= 8 && (head.readUInt32LE(0) === 0xfeedfacf || head.readUInt32LE(0) === 0xfeedface)) {
      return { os: "darwin", cpus: [machoCpu(head.readUInt32LE(4))] };
    }
    if (head.length >= 8 && (head.readUInt32BE(0) === 0xcafebabe || head.readUInt32BE(0) === 0xcafebabf)) {
      const count = head.readUInt32BE(4);
      const arches = read(8, Math.min(count, 16) * 20);
      const cpus = [];
      for (let i = 0; i + 20 <= arches.length; i += 20) cpus.push(machoCpu(arches.readUInt32BE(i)));
      return { os: "darwin", cpus };
    }
    if (head.length >= 64 && head.toString("latin1", 0, 2) === "MZ") {
      const pe = read(head.readUInt32LE(0x3c), 6);
      if (pe.length === 6 && pe.toString("latin1", 0, 4) === "PE\0\0") {
        const machine = pe.readUInt16LE(4);
        const cpu = { 0x8664: "x64", 0xaa64: "arm64", 0x14c: "ia32" }[machine] ?? `machine 0x${machine.toString(16)}`;
        return { os: "win32", cpus: [cpu] };
      }
    }
    return { os: "unknown" };
  } finally {
    fs.closeSync(fd);
  }
}

function identifyElf(head, read) {
  const is64 = head[4] === 2;
  if (head[5] !== 1) return { os: "linux", cpus: ["big-endian"] };
  const machine = head.readUInt16LE(0x12);
  const cpu = { 0x3e: "x64", 0xb7: "arm64", 0x28: "arm", 0x03: "ia32" }[machine] ?? `e_machine 0x${machine.toString(16)}`;
  // The program interpreter (PT_INTERP) names the C library: ld-linux (glibc) or ld-musl;
  // a static executable has none and runs with either.
  const phoff = is64 ? Number(head.readBigUInt64LE(0x20)) : head.readUInt32LE(0x1c);
  const phentsize = head.readUInt16LE(is64 ? 0x36 : 0x2a);
  const phnum = head.readUInt16LE(is64 ? 0x38 : 0x2c);
  let libc = "static";
  for (let i = 0; i < Math.min(phnum, 64); i++) {
    const ph = read(phoff + i * phentsize, phentsize);
    if (ph.length < (is64 ? 40 : 20) || ph.readUInt32LE(0) !== 3) continue;
    const offset = is64 ? Number(ph.readBigUInt64LE(8)) : ph.readUInt32LE(4);
    const size = is64 ? Number(ph.readBigUInt64LE(32)) : ph.readUInt32LE(16);
    const interp = read(offset, Math.min(size, 256)).toString("latin1");
    libc = interp.includes("musl") ? "musl" : "glibc";
  }
  return { os: "linux", cpus: [cpu], libc };
}

function machoCpu(cputype) {
  return { 0x01000007: "x64", 0x0100000c: "arm64" }[cputype] ?? `cputype 0x${cputype.toString(16)}`;
}

/** Why the executable found does not fit the target, or undefined when it does. */
function mismatch(found, spec) {
  if (found.os === "unknown") return "not an executable this script recognises (ELF, Mach-O or PE)";
  if (found.os !== spec.os || !found.cpus.includes(spec.cpu)) return `a ${describeFound(found)} executable`;
  if (spec.libc && found.libc !== "static" && found.libc !== spec.libc) return `a ${describeFound(found)} executable`;
  return undefined;
}

function describeSpec(spec) {
  const libc = spec.libc ? ` (${spec.libc} or static)` : "";
  return `${OS_NAMES[spec.os]} ${spec.cpu}${libc}`;
}

function describeFound(found) {
  const libc = !found.libc ? "" : found.libc === "static" ? " (static)" : ` (${found.libc})`;
  return `${OS_NAMES[found.os] ?? found.os} ${found.cpus.join("+")}${libc}`;
}

function run(command, args, what, mustSucceed = true) {
  say(`${what}: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd: repo, stdio: "inherit", shell: false });
  const ok = result.status === 0;
  if (!ok && mustSucceed) {
    throw new Stop(`${command} ${args.join(" ")} failed${result.error ? `: ${result.error.message}` : ""}`);
  }
  return ok;
}

/** `vsce package`: runs vscode:prepublish (type check + esbuild), then zips the allowed files. */
function vscePackage(target, extra) {
  const vsce = path.join(here, "node_modules", "@vscode", "vsce", "vsce");
  if (!fs.existsSync(vsce)) throw new Stop(`${vsce} is missing: run npm ci in editors/vscode first`);
  // --no-dependencies: node_modules is bundled into dist/extension.js, none of it is shipped.
  const args = [vsce, "package", "--no-dependencies", "--skip-license", ...(target ? ["--target", target] : []), ...extra];
  say(`vsce ${args.slice(1).join(" ")}`);
  const result = spawnSync(process.execPath, args, { cwd: here, stdio: "inherit" });
  if (result.status !== 0) throw new Stop(`vsce package failed${result.error ? `: ${result.error.message}` : ""}`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof Stop)) throw error;
  say(error.message);
  process.exitCode = 1;
}
