// The C++ core (build/core.wasm, see wasm/abi.cpp for the operations),
// instantiated once per isolate. Requests and answers are JSON in linear
// memory; the module has no I/O, so its only imports are trivial stubs.
import coreModule from "../build/core.wasm";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let exports = null;

function instantiate() {
  const instance = new WebAssembly.Instance(coreModule, {
    env: { emscripten_notify_memory_growth() {} },
    wasi_snapshot_preview1: {
      proc_exit(code) {
        throw new Error(`core exited with ${code}`);
      },
    },
  });
  instance.exports._initialize();
  return instance.exports;
}

function callRaw(request) {
  exports ??= instantiate();
  const bytes = encoder.encode(JSON.stringify(request));
  const pointer = exports.gog_alloc(bytes.length);
  try {
    new Uint8Array(exports.memory.buffer, pointer, bytes.length).set(bytes);
    const length = exports.gog_call(pointer, bytes.length);
    const output = exports.gog_output();
    return decoder.decode(
      new Uint8Array(exports.memory.buffer, output, length),
    );
  } catch (error) {
    // A trap leaves the module's memory in an unknown state: start afresh.
    exports = null;
    throw error;
  } finally {
    exports?.gog_free(pointer);
  }
}

// Runs an operation that answers JSON and returns it parsed.
export function call(op, args = {}) {
  return JSON.parse(callRaw({ op, ...args }));
}

// Runs an operation that answers a response body (render_*).
export function render(op, args = {}) {
  return callRaw({ op, ...args });
}

export function hexToBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  }
  return bytes;
}

export function bytesToHex(bytes) {
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}

let constantsCache = null;

// SQL text and size limits from tools/core (sql.hpp, rules.hpp).
export function constants() {
  constantsCache ??= call("constants");
  return constantsCache;
}
