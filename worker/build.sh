#!/usr/bin/env bash
# Compiles the C++ core (tools/core/*.cpp) and the Worker's C ABI
# (wasm/abi.cpp) into build/core.wasm with Debian's Emscripten.
#
# The module is standalone: no JavaScript glue (Debian's emcc cannot emit it
# without node's 'acorn'), no exceptions, and only trivial WASI imports, which
# src/core.js stubs. Same sources and flags give the same bytes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=$here/build
mkdir -p "$out"

# nlohmann's header lives in /usr/include, which must not shadow
# Emscripten's own libc headers: expose only its folder.
include=$out/include
mkdir -p "$include"
ln -sfn /usr/include/nlohmann "$include/nlohmann"

sources=("$root"/tools/core/*.cpp "$here/wasm/abi.cpp")
exports=_gog_alloc,_gog_free,_gog_call,_gog_output

em++ -std=c++20 -Oz -flto -fno-exceptions -fno-rtti -DJSON_NOEXCEPTION \
  -DNDEBUG -Wall -Wextra -Wno-unused-parameter \
  -I"$root/tools" -isystem "$include" \
  -sSTANDALONE_WASM --no-entry -sEXPORTED_FUNCTIONS="$exports" \
  -sALLOW_MEMORY_GROWTH -sINITIAL_MEMORY=2MB -sTOTAL_STACK=256KB \
  -sERROR_ON_UNDEFINED_SYMBOLS="${GOG_WASM_ALLOW_UNDEFINED:-1}" \
  -ffile-prefix-map="$root"=. \
  "${sources[@]}" -o "$out/core.tmp.wasm"
mv "$out/core.tmp.wasm" "$out/core.wasm"
echo "built $out/core.wasm ($(stat -c %s "$out/core.wasm") bytes)" >&2
