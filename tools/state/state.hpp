// `gog state verify | log | commit`: the event log, checked, listed, and
// persisted as a commit on a branch of a git repository.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace gog::state {

struct CommitResult {
  std::string commit;    // hex id of the branch tip afterwards
  bool created = false;  // false when the tree was already the same
  std::size_t events = 0;
};

// Commits the log's valid lines (a torn tail is left out) as
// state/events.jsonl on refs/heads/<branch> of the repository at or above
// repo_dir. The parent is the branch tip when it exists; its other files are
// kept. Writes objects and that one ref only: never the working tree, the
// index or HEAD, and refuses the branch HEAD points to. An empty message
// becomes "gog: event log, N events". Throws UsageError for an invalid
// branch name, gog::Error for a broken log or a git failure.
//
// With a keyring path, the encrypted keyring file goes along as
// state/keyring.enc: CI keeps rotated keys nowhere else. It is the file
// backend's ciphertext (scrypt + AES-256-GCM), never plaintext.
CommitResult commit_log(const std::filesystem::path& log_path,
                        const std::filesystem::path& repo_dir,
                        const std::string& branch, const std::string& message,
                        const std::filesystem::path& keyring_path = {});

int run(std::vector<std::string> args);

}  // namespace gog::state
