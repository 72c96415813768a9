// Paths and whole-file writes.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace gog {

namespace fs = std::filesystem;

// $GOG_CONFIG_DIR, else $XDG_CONFIG_HOME/gog, else ~/.config/gog.
fs::path config_dir();
// $GOG_STATE_DIR, else $XDG_STATE_HOME/gog, else ~/.local/state/gog.
fs::path state_dir();

// Writes a temporary file beside path, fsyncs it, renames it over path and
// fsyncs the folder. mode applies to the new file (0600 for secrets).
// Creates missing parent folders. Throws gog::Error on failure.
void write_file_atomic(const fs::path& path, std::string_view contents,
                       unsigned mode = 0644);

// Whole file, or throws gog::Error naming the path.
std::string read_file(const fs::path& path);

// getenv that returns nullopt for unset (empty counts as set).
std::optional<std::string> env(const char* name);

}  // namespace gog
