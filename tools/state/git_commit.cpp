// commit_log(): the event log into a git branch through libgit2, touching
// only objects and one ref.
#include <git2.h>

#include <memory>

#include "common/error.hpp"
#include "common/event_log.hpp"
#include "common/files.hpp"
#include "state/state.hpp"

namespace gog::state {
namespace {

// Throws the last libgit2 error when rc is negative.
void check(int rc, const std::string& what) {
  if (rc >= 0)
    return;
  const git_error* e = git_error_last();
  throw Error(
      "cannot " + what + ": " +
      (e && e->message ? e->message : "libgit2 error " + std::to_string(rc)));
}

template <typename T, void (*Free)(T*)>
struct Freer {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, Freer<T, Free>>;

using Repo = Owned<git_repository, git_repository_free>;
using Commit = Owned<git_commit, git_commit_free>;
using Tree = Owned<git_tree, git_tree_free>;
using Builder = Owned<git_treebuilder, git_treebuilder_free>;
using Signature = Owned<git_signature, git_signature_free>;
using Reference = Owned<git_reference, git_reference_free>;

struct Library {
  Library() { git_libgit2_init(); }
  ~Library() { git_libgit2_shutdown(); }
};

std::string hex(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

std::string valid_ref(const std::string& branch) {
  auto ref = "refs/heads/" + branch;
  int valid = 0;
  git_reference_name_is_valid(&valid, ref.c_str());
  if (!valid || branch.empty()) {
    throw UsageError("bad branch name " + gog::quoted(branch),
                     "use a plain name such as gog-state");
  }
  return ref;
}

void refuse_checked_out(git_repository* repo, const std::string& ref) {
  git_reference* head = nullptr;
  if (git_reference_lookup(&head, repo, "HEAD") < 0)
    return;
  Reference owned(head);
  if (git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
      ref == git_reference_symbolic_target(head)) {
    throw UsageError("branch " + gog::quoted(ref) + " is checked out",
                     "commit the state to a branch of its own, e.g. "
                     "--branch gog-state");
  }
}

Commit branch_tip(git_repository* repo, const std::string& ref) {
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo, ref.c_str()) < 0)
    return nullptr;
  git_commit* tip = nullptr;
  check(git_commit_lookup(&tip, repo, &oid), "read the tip of " + ref);
  return Commit(tip);
}

// A tree builder seeded with `base`'s entry `name` (a tree), if any.
Builder builder_from(git_repository* repo, const git_tree* base,
                     const char* name) {
  git_tree* seed = nullptr;
  Tree owned;
  if (base) {
    if (!name) {
      check(git_tree_dup(&seed, const_cast<git_tree*>(base)), "copy tree");
    } else if (auto e = git_tree_entry_byname(base, name);
               e && git_tree_entry_type(e) == GIT_OBJECT_TREE) {
      check(git_tree_lookup(&seed, repo, git_tree_entry_id(e)), "read tree");
    }
    owned.reset(seed);
  }
  git_treebuilder* b = nullptr;
  check(git_treebuilder_new(&b, repo, seed), "start a tree");
  return Builder(b);
}

using StateFiles = std::vector<std::pair<std::string, std::string>>;

git_oid state_tree(git_repository* repo, const git_tree* base,
                   const StateFiles& files) {
  git_oid sub, root;
  auto state = builder_from(repo, base, "state");
  for (const auto& [name, contents] : files) {
    git_oid blob;
    check(git_blob_create_from_buffer(&blob, repo, contents.data(),
                                      contents.size()),
          "store state/" + name);
    check(git_treebuilder_insert(nullptr, state.get(), name.c_str(), &blob,
                                 GIT_FILEMODE_BLOB),
          "add state/" + name);
  }
  check(git_treebuilder_write(&sub, state.get()), "write the state tree");
  auto top = builder_from(repo, base, nullptr);
  check(git_treebuilder_insert(nullptr, top.get(), "state", &sub,
                               GIT_FILEMODE_TREE),
        "add state/");
  check(git_treebuilder_write(&root, top.get()), "write the root tree");
  return root;
}

Signature signature(git_repository* repo) {
  git_signature* sig = nullptr;
  if (git_signature_default(&sig, repo) < 0)
    check(git_signature_now(&sig, "gog", "gog@localhost"), "sign");
  return Signature(sig);
}

// The log's valid lines: a torn tail is not part of the record.
std::string log_contents(const fs::path& path, std::size_t* events) {
  EventLog log(path);
  auto v = log.verify();
  if (!v.ok) {
    throw Error("event log " + path.string() + ":" +
                    std::to_string(v.bad_line) + ": " + v.reason,
                "fix or restore the log before committing it");
  }
  auto text = read_file(path);
  if (v.torn_tail) {
    std::size_t cut = 0;
    for (std::size_t line = 1; line < v.torn_line; ++line)
      cut = text.find('\n', cut) + 1;
    text.resize(cut);
  }
  *events = v.events;
  return text;
}

}  // namespace

CommitResult commit_log(const fs::path& log_path, const fs::path& repo_dir,
                        const std::string& branch, const std::string& message,
                        const fs::path& keyring_path) {
  Library library;
  auto ref = valid_ref(branch);
  if (!fs::exists(log_path))
    throw Error("no event log at " + gog::quoted(log_path.string()),
                "run 'gog gmail track setup' first");
  CommitResult result;
  StateFiles files = {{"events.jsonl", log_contents(log_path, &result.events)}};
  if (!keyring_path.empty()) {
    files.emplace_back("keyring.enc", read_file(keyring_path));
  }

  git_repository* raw = nullptr;
  check(git_repository_open_ext(&raw, repo_dir.c_str(), 0, nullptr),
        "open the repository at " + gog::quoted(repo_dir.string()));
  Repo repo(raw);
  refuse_checked_out(repo.get(), ref);

  auto parent = branch_tip(repo.get(), ref);
  git_tree* parent_tree = nullptr;
  if (parent)
    check(git_commit_tree(&parent_tree, parent.get()), "read tree");
  Tree owned_tree(parent_tree);
  auto root = state_tree(repo.get(), parent_tree, files);
  if (parent && git_oid_equal(&root, git_tree_id(parent_tree))) {
    result.commit = hex(*git_commit_id(parent.get()));
    return result;
  }

  git_tree* tree = nullptr;
  check(git_tree_lookup(&tree, repo.get(), &root), "read the new tree");
  Tree new_tree(tree);
  auto sig = signature(repo.get());
  auto text = message.empty() ? "gog: event log, " +
                                    std::to_string(result.events) + " events"
                              : message;
  const git_commit* parents[] = {parent.get()};
  git_oid id;
  // update_ref moves only the branch, and only if its tip is still parent.
  check(git_commit_create(&id, repo.get(), ref.c_str(), sig.get(), sig.get(),
                          nullptr, text.c_str(), tree, parent ? 1 : 0, parents),
        "commit to " + ref);
  result.commit = hex(id);
  result.created = true;
  return result;
}

}  // namespace gog::state
