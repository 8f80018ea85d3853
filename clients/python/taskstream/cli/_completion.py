"""``taskstream completion bash|zsh``: a completion script made from the command line's own parser, so
it offers exactly the commands, options and choices the parser accepts."""

from __future__ import annotations

import argparse
import dataclasses

# Options whose value is a file: completed with file names.
_FILE_OPTIONS = ("--tls-ca", "--tls-cert", "--tls-key")


@dataclasses.dataclass(frozen=True)
class _Command:
    options: list[str]  # every option string, flags and options that take a value alike
    positional_choices: list[str]  # the choices of a positional argument (completion's shell)


@dataclasses.dataclass(frozen=True)
class _Grammar:
    root_options: list[str]
    commands: dict[str, _Command]
    valued: list[str]  # options that take a value, in any command
    choices: dict[str, list[str]]  # option -> its choices


def _grammar(parser: argparse.ArgumentParser) -> _Grammar:
    valued: set[str] = set()
    choices: dict[str, list[str]] = {}
    commands: dict[str, _Command] = {}

    def options_of(command: argparse.ArgumentParser) -> tuple[list[str], list[str]]:
        options: list[str] = []
        positional: list[str] = []
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    commands[name] = _Command(*options_of(sub))
                continue
            if not action.option_strings:
                positional += [str(c) for c in action.choices or ()]
                continue
            options += action.option_strings
            if action.nargs != 0:
                valued.update(action.option_strings)
                if action.choices:
                    for option in action.option_strings:
                        choices[option] = [str(c) for c in action.choices]
        return sorted(set(options)), positional

    root_options, _ = options_of(parser)
    return _Grammar(root_options, commands, sorted(valued), choices)


def bash_script(parser: argparse.ArgumentParser) -> str:
    g = _grammar(parser)
    prog = parser.prog
    func = f"_{prog.replace('-', '_')}_complete"
    choice_cases = "".join(
        f'        {option}) COMPREPLY=($(compgen -W {_words(values)} -- "$cur")); return ;;\n'
        for option, values in sorted(g.choices.items())
    )
    command_cases = "".join(
        f"        {name}) words={_words(c.options + c.positional_choices)} ;;\n"
        for name, c in sorted(g.commands.items())
    )
    free = "|".join(o for o in g.valued if o not in g.choices and o not in _FILE_OPTIONS)
    return f"""# bash completion for {prog}: source this file, or install it as
# /usr/share/bash-completion/completions/{prog} (made by `{prog} completion bash`).
{func}() {{
    local cur prev cmd i n words line
    # The line split at blanks only: COMP_WORDS also splits HOST:PORT and KEY=VALUE at ':' and '='.
    read -ra line <<< "${{COMP_LINE:0:COMP_POINT}}"
    [[ "${{COMP_LINE:COMP_POINT-1:1}}" == " " ]] && line+=("")
    n=${{#line[@]}}
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{line[n-2]}}"
    cmd=""
    for ((i = 1; i < n - 1; i++)); do
        case "${{line[i]}}" in
            {"|".join(g.valued)}) ((i++)) ;;
            -*) ;;
            *) cmd="${{line[i]}}"; break ;;
        esac
    done
    case "$prev" in
{choice_cases}        {"|".join(_FILE_OPTIONS)}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        {free}) COMPREPLY=(); return ;;
    esac
    case "$cmd" in
        "") words={_words([*g.commands, *g.root_options])} ;;
{command_cases}    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -F {func} {prog}
"""


def zsh_script(parser: argparse.ArgumentParser) -> str:
    g = _grammar(parser)
    prog = parser.prog
    func = f"_{prog.replace('-', '_')}"
    choice_cases = "".join(
        f"    ({option}) compadd -- {' '.join(values)}; return ;;\n"
        for option, values in sorted(g.choices.items())
    )
    command_cases = "".join(
        f"    ({name}) compadd -- {' '.join(c.options + c.positional_choices)} ;;\n"
        for name, c in sorted(g.commands.items())
    )
    free = "|".join(o for o in g.valued if o not in g.choices and o not in _FILE_OPTIONS)
    return f"""#compdef {prog}
# zsh completion for {prog}: source this file, or save it as _{prog} in a directory of $fpath
# (made by `{prog} completion zsh`).
{func}() {{
  local prev=${{words[CURRENT-1]}} cmd="" i
  for ((i = 2; i < CURRENT; i++)); do
    case ${{words[i]}} in
      ({"|".join(g.valued)}) ((i++)) ;;
      (-*) ;;
      (*) cmd=${{words[i]}}; break ;;
    esac
  done
  case $prev in
{choice_cases}    ({"|".join(_FILE_OPTIONS)}) _files; return ;;
    ({free}) return ;;
  esac
  case $cmd in
    ("") compadd -- {" ".join([*g.commands, *g.root_options])} ;;
{command_cases}  esac
}}
if [[ $funcstack[1] == {func} ]]; then
  {func} "$@"
else
  compdef {func} {prog}
fi
"""


def _words(values: list[str]) -> str:
    return '"' + " ".join(values) + '"'


SCRIPTS = {"bash": bash_script, "zsh": zsh_script}
