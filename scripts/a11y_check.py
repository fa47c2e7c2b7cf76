#!/usr/bin/python3
"""Reads and drives the console's accessibility tree as a screen reader does (AccessKit ->
AT-SPI), for scripts/a11y-check.sh. Each call is a new process, so nothing read is stale.

  a11y_check.py fill LABEL TEXT     put TEXT into the text field named LABEL
  a11y_check.py press LABEL         click the button (or tab) named LABEL
  a11y_check.py tabs                print the panel tabs' names, one a line
  a11y_check.py selected TAB        exit 0 when the tab named TAB is the selected one
  a11y_check.py has ROLE NAME...    exit 0 when a node of ROLE named one of NAME... is there
  a11y_check.py check NAME          walk the tree; write $A11Y_OUT/tree-NAME.txt; exit 1 and
                                    print why on an unnamed control, a combo box without its
                                    value, a table without rows, a focusable disabled control,
                                    a tab that reads as a toggle or a window without a name
Modelled on ../shared/tools/a11y/dump.py.
"""
import os
import sys

import pyatspi

APP = "spr-console"
OUT = os.environ.get("A11Y_OUT", ".")

# Roles a user reaches by name: each must have one.
INTERACTIVE = {
    "push button", "toggle button", "check box", "radio button", "combo box", "text",
    "entry", "password text", "spin button", "slider", "link", "page tab", "menu item",
    "list item", "check menu item", "radio menu item", "tree item",
}


def app():
    desktop = pyatspi.Registry.getDesktop(0)
    for a in desktop:
        if a is not None and a.name == APP:
            return a
    sys.exit("a11y-check: %s is not on the accessibility bus" % APP)


def states(acc):
    return {pyatspi.stateToString(s) for s in acc.getState().getStates()}


def labelled_by(acc):
    out = []
    try:
        for r in acc.getRelationSet():
            if r.getRelationType() == pyatspi.RELATION_LABELLED_BY:
                for i in range(r.getNTargets()):
                    t = r.getTarget(i)
                    out.append(t.name or "?")
    except Exception:
        pass
    return out


def walk(acc, depth=0, path=()):
    yield acc, depth, path
    for i in range(acc.childCount):
        c = acc.getChildAtIndex(i)
        if c is not None:
            yield from walk(c, depth + 1, path + (i,))


def find(role, name):
    for acc, _, _ in walk(app()):
        if acc.getRoleName() == role and acc.name == name:
            return acc
    return None


def find_any(roles, name):
    for role in roles:
        acc = find(role, name)
        if acc is not None:
            return acc
    sys.exit("a11y-check: no %s named %r" % (" or ".join(roles), name))


def click(acc):
    action = acc.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ("click", "press", "activate", "switch"):
            action.doAction(i)
            return
    action.doAction(0)


def check(name):
    rows = list(walk(app()))
    problems = []
    lines = []
    frames = [a for a, _, _ in rows if a.getRoleName() == "frame"]
    if not frames or not any(f.name.strip() for f in frames):
        problems.append("the window (frame) has no accessible name")
    tables = []
    for acc, depth, path in rows:
        role = acc.getRoleName()
        st = states(acc)
        shown = "showing" in st
        lines.append("%s%s %r desc=%r [%s]" % ("  " * depth, role, acc.name, acc.description,
                                               " ".join(sorted(st))))
        if not shown:
            continue
        where = "%s at %s" % (role, list(path))
        if role in INTERACTIVE or ("focusable" in st and role not in ("frame", "application")):
            if not acc.name.strip() and not labelled_by(acc):
                problems.append("unnamed interactive node: %s" % where)
            if "focusable" in st and "enabled" not in st:
                problems.append("a disabled control takes focus: %s %r" % (where, acc.name))
        if role == "page tab" and "checked" in st:
            problems.append("a tab reads as a checked toggle: %r (%s)" % (acc.name, where))
        if role == "combo box" and not (acc.description or "").strip():
            problems.append("a combo box without its value: %r (%s)" % (acc.name, where))
        if role == "table":
            tables.append((acc, where))
    for table, where in tables:
        body_rows = [a for a, _, _ in walk(table)
                     if a.getRoleName() == "table row"
                     and any(c.getRoleName() == "table cell" for c in a)]
        if not body_rows:
            problems.append("a table without rows: %r (%s)" % (table.name, where))
    summary = ["== %s: %d nodes, %d table(s) ==" % (name, len(rows), len(tables))]
    summary += ["PROBLEM " + p for p in problems] or ["no problems"]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "tree-%s.txt" % name), "w") as f:
        f.write("\n".join(lines + [""] + summary) + "\n")
    print("\n".join(summary))
    return 1 if problems else 0


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "fill":
        acc = find_any(["text", "password text", "entry"], args[0])
        acc.queryEditableText().setTextContents(args[1])
    elif cmd == "press":
        click(find_any(["push button", "page tab", "toggle button", "radio button"], args[0]))
    elif cmd == "tabs":
        for acc, _, _ in walk(app()):
            if acc.getRoleName() == "page tab":
                print(acc.name)
    elif cmd == "selected":
        acc = find("page tab", args[0])
        return 0 if acc is not None and "selected" in states(acc) else 1
    elif cmd == "has":
        return 0 if any(find(args[0], n) is not None for n in args[1:]) else 1
    elif cmd == "check":
        return check(args[0])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
