#!/usr/bin/env python3
"""check_architecture_doc.py SOURCE_DIR: exit 0 when docs/ARCHITECTURE.md names only things
that exist, so the map of the code cannot go stale (as check_output_doc.py does for the
columns of docs/OUTPUT.md):

- every backticked path (`src/...`, `include/...`, `tests/...`, `bench/...`, `python/...`,
  `docs/...`, `inputs/...`, `jobscripts/...`; a trailing `/` for a folder) exists;
- every backticked C++ name (`plan_run`, `RunPlan::layer_width`, `kx::stage`) is defined or
  used somewhere in src/ or include/ (the last `::` part, as a whole word);
- in a table with a `function` and a `file` column, every function of a row occurs in one of
  the row's files or in the header that mirrors it (include/grapes/<folder>/<name>.hpp);
- in prose, "`name` (`path`)" says where `name` lives: it must occur in that file or header;
- every folder of src/ has a row in the folder table and every row names a folder of src/.
Prints one line per problem."""
import os
import re
import sys

PATH_ROOTS = ("src/", "include/", "tests/", "bench/", "python/", "docs/", "inputs/",
              "jobscripts/", "cmake/", "packaging/")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_~][A-Za-z0-9_]*)*(\(\))?")
# Backticked words that are C++ or shell vocabulary, not names of this code.
VOCABULARY = {"float", "double", "int", "new", "delete", "grep", "grapes", "append", "commit",
              "min_spacing", "local", "owned"}


def source_texts(root):
    texts = {}
    for top in ("src", "include"):
        for folder, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8", errors="replace") as handle:
                    texts[os.path.relpath(path, root)] = handle.read()
    return texts


def word_in(name, text):
    return re.search(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])", text)


def last_part(token):
    return token.rstrip("()").split("::")[-1]


def homes(path, texts):
    """The texts a function named with `path` may live in: the file and its mirrored header."""
    found = [texts[path]] if path in texts else []
    if path.startswith("src/") and path.endswith(".cpp"):
        header = "include/grapes/" + path[len("src/"):-len(".cpp")] + ".hpp"
        if header in texts:
            found.append(texts[header])
    return found


def looks_like_code(token):
    """A name of the code rather than a plain word: snake_case, CamelCase or qualified."""
    return "_" in token or "::" in token or any(c.isupper() for c in token[1:]) or token[0].isupper()


def check_tokens(doc, root, texts, problems):
    for number, line in enumerate(doc.splitlines(), 1):
        for token in re.findall(r"`([^`]+)`", line):
            if token.startswith(PATH_ROOTS):
                if not os.path.exists(os.path.join(root, token.split(" ")[0])):
                    problems.append(f"line {number}: `{token}` does not exist")
            elif IDENTIFIER.fullmatch(token) and token not in VOCABULARY and looks_like_code(token):
                name = last_part(token)
                if not any(word_in(name, text) for text in texts.values()):
                    problems.append(f"line {number}: `{token}` is not in src/ or include/")


def check_places(doc, texts, problems):
    """`name` (`path`...) in prose, and the function/file columns of the stage table."""
    for number, line in enumerate(doc.splitlines(), 1):
        if line.startswith("|"):
            continue
        for name, path in re.findall(r"`([A-Za-z_][A-Za-z0-9_:]*)` \(`((?:src|include)/[^`]+\.[ch]pp)`", line):
            if not any(word_in(last_part(name), text) for text in homes(path, texts)):
                problems.append(f"line {number}: `{name}` is not in {path}")
    columns = None
    for number, line in enumerate(doc.splitlines(), 1):
        if not line.startswith("|"):
            columns = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if columns is None:
            columns = cells
            continue
        if "function" not in columns or "file" not in columns or set(line) <= set("|-: "):
            continue
        functions = re.findall(r"`([^`]+)`", cells[columns.index("function")])
        files = re.findall(r"`([^`]+)`", cells[columns.index("file")])
        candidates = [text for path in files for text in homes(path, texts)]
        for function in functions:
            if not any(word_in(last_part(function), text) for text in candidates):
                problems.append(f"line {number}: `{function}` is in none of {', '.join(files)}")


def check_folders(doc, root, problems):
    listed = set(re.findall(r"^\| `src/([a-z_]+)/` \|", doc, flags=re.M))
    present = {name for name in os.listdir(os.path.join(root, "src"))
               if os.path.isdir(os.path.join(root, "src", name))}
    for name in sorted(present - listed):
        problems.append(f"the folder table has no row for src/{name}/")
    for name in sorted(listed - present):
        problems.append(f"the folder table lists src/{name}/, which does not exist")


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "docs", "ARCHITECTURE.md"), encoding="utf-8") as handle:
        doc = handle.read()
    texts = source_texts(root)
    problems = []
    check_tokens(doc, root, texts, problems)
    check_places(doc, texts, problems)
    check_folders(doc, root, problems)
    for problem in problems:
        print("docs/ARCHITECTURE.md: " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
