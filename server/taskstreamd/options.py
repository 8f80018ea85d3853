"""Every option of ``taskstreamd``, in one table that drives three sources of settings alike.

Each option is a command-line flag (``--grace-period``), an environment variable (``TASKSTREAMD_GRACE_PERIOD``)
and a key of the configuration file that ``--config FILE`` names (``grace_period = 5.0``, TOML). The first
of these that sets an option wins: flag, then environment, then file, then the default. A repeatable option
(``--tasks``) takes a TOML array in the file and several values separated by blanks in the environment; a
flag without a value (``--allow-code``) takes ``true`` / ``false`` in the file and 1, true, yes, on / 0,
false, no, off in the environment. Values from the environment and the file are checked exactly as the
command line checks them.

The file is refused when it names a key that is no option of the command (a typo must not pass as a
setting), when it is not TOML, and when users other than its owner may write it (they could change what
the server runs); a file holding secrets (a database password) that others may read gets a warning.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ENV_PREFIX = "TASKSTREAMD_"
CONFIG = "config"
MAX_CONFIG_BYTES = 1024 * 1024
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})

Kind = Literal["value", "flag", "list"]
_METAVARS: dict[Any, str] = {int: "N", float: "NUMBER", Path: "PATH"}


@dataclass(frozen=True)
class Option:
    """One setting. ``name`` is the file key; ``--name-with-dashes`` the flag; ``TASKSTREAMD_NAME`` the
    variable. ``commands`` take it (``()``: every command, before the command's name)."""

    name: str
    help: str
    commands: tuple[str, ...] = ("serve",)
    kind: Kind = "value"
    type: Callable[[str], Any] = str
    default: Any = None
    metavar: str | None = None
    choices: Sequence[str] | None = None
    group: str | None = None  # a heading of --help
    secret: Callable[[Any], bool] | None = None  # tells a value that holds a secret (a password)
    legacy_env: str = ""  # an older variable read after ENV_PREFIX's
    hidden: bool = False  # internal: a flag only, neither in the environment nor in the file

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


@dataclass
class Options:
    """The table, and what builds a parser from it and resolves the settings of one run."""

    options: list[Option] = field(default_factory=list)

    def add(self, option: Option) -> None:
        if any(o.name == option.name and set(o.commands) & set(option.commands) for o in self.options):
            raise ValueError(f"option {option.name} is declared twice for one command")
        self.options.append(option)

    def of(self, command: str | None) -> list[Option]:
        """The options a command takes (None: the root's)."""
        if command is None:
            return [o for o in self.options if not o.commands]
        return [o for o in self.options if command in o.commands]

    def add_arguments(self, parser: argparse.ArgumentParser, command: str | None) -> None:
        """Flags for ``command``'s options. None of them has a default here: a flag left out is absent
        from the namespace, so that the environment, the file or the default can set it (``resolve``)."""
        groups: dict[str, argparse._ArgumentGroup] = {}
        for option in self.of(command):
            target: Any = parser
            if option.group is not None:
                target = groups.get(option.group) or groups.setdefault(
                    option.group, parser.add_argument_group(option.group)
                )
            help = argparse.SUPPRESS if option.hidden else _help(option)
            if option.kind == "flag":
                target.add_argument(option.flag, action="store_true", default=argparse.SUPPRESS, help=help)
            else:
                target.add_argument(
                    option.flag,
                    action="append" if option.kind == "list" else "store",
                    type=option.type,
                    default=argparse.SUPPRESS,
                    metavar=option.metavar or _METAVARS.get(option.type, "VALUE"),
                    choices=option.choices,
                    help=help,
                )

    def resolve(
        self,
        args: argparse.Namespace,
        commands: Sequence[str | None],
        environ: Mapping[str, str],
        warn: Callable[[str], None],
    ) -> argparse.Namespace:
        """Every option of ``commands`` set on ``args``: from its flag, else the environment, else the
        configuration file (``--config``, itself a flag or TASKSTREAMD_CONFIG), else its default.
        ValueError names the variable or the file's key whose value is wrong."""
        taken = [o for command in commands for o in self.of(command)]
        by_name = {o.name: o for o in taken}
        given = vars(args)
        file_values: dict[str, Any] = {}
        path: Path | None = None
        if CONFIG in by_name:
            config = by_name[CONFIG]
            chosen = given.get(CONFIG) or environ.get(config.env) or None
            if chosen:
                path = Path(chosen)
                file_values = read_config(path, by_name, [c for c in commands if c], warn)
        for option in taken:
            if option.name in given:
                continue
            value = option.default
            if not option.hidden and option.name != CONFIG:
                raw = environ.get(option.env)
                variable = option.env
                if raw is None and option.legacy_env:
                    raw, variable = environ.get(option.legacy_env), option.legacy_env
                if raw is not None:
                    value = _from_text(option, raw, variable)
                elif option.name in file_values:
                    try:
                        value = _from_file(option, file_values[option.name])
                    except ValueError as exc:
                        raise ValueError(f"{path}: {exc}") from None
            setattr(args, option.name, list(value) if isinstance(value, list) else value)
        if path is not None:
            setattr(args, CONFIG, path)
        return args


def read_config(
    path: Path, options: Mapping[str, Option], commands: Sequence[str], warn: Callable[[str], None]
) -> dict[str, Any]:
    """The file's settings, checked: TOML, known keys only, not writable by others; a warning when it
    holds a secret others can read."""
    try:
        with path.open("rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ValueError(f"{path}: not a regular file")
            data = file.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"cannot read the configuration file {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ValueError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes; not a configuration file")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ValueError(
            f"{path}: other users may write it (mode {stat.S_IMODE(info.st_mode):04o}), and so change what "
            f"the server runs; make it writable by its owner only (chmod go-w {path})"
        )
    try:
        values = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: not a TOML file: {exc}") from None
    for key, value in values.items():
        option = options.get(key)
        if option is None or option.hidden or key == CONFIG:
            known = ", ".join(sorted(k for k, o in options.items() if not o.hidden and k != CONFIG))
            raise ValueError(
                f"{path}: unknown key {key!r} for taskstreamd {' '.join(commands)} (the keys are the options' "
                f"names with _ for -: {known})"
            )
        if isinstance(value, dict):
            raise ValueError(f"{path}: {key}: expected a value, not a table")
    secrets = sorted(
        key
        for key, value in values.items()
        if options[key].secret is not None and _holds_secret(options[key], value, path)
    )
    if secrets and info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
        warn(
            f"{path} holds secrets ({', '.join(secrets)}) and other users may read it "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); make it readable by its owner only (chmod 600 {path})"
        )
    return values


def _holds_secret(option: Option, value: Any, path: Path) -> bool:
    assert option.secret is not None
    try:
        checked = _from_file(option, value)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    items = checked if isinstance(checked, list) else [checked]
    return any(option.secret(item) for item in items)


def _from_text(option: Option, raw: str, variable: str) -> Any:
    """An option's value from the environment variable ``variable``."""
    try:
        if option.kind == "flag":
            word = raw.strip().lower()
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
            raise ValueError(f"expected 1, true, yes or on, or 0, false, no or off, not {raw!r}")
        if option.kind == "list":
            return [_convert(option, item) for item in raw.split()]
        return _convert(option, raw)
    except ValueError as exc:
        raise ValueError(f"{variable}: {exc}") from None


def _from_file(option: Option, value: Any) -> Any:
    """An option's value from the configuration file's TOML value."""
    if option.kind == "flag":
        if not isinstance(value, bool):
            raise ValueError(f"{option.name}: expected true or false, not {value!r}")
        return value
    if option.kind == "list":
        items = value if isinstance(value, list) else [value]
        return [_convert(option, _scalar(option, item)) for item in items]
    return _convert(option, _scalar(option, value))


def _scalar(option: Option, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{option.name}: expected a string or a number, not {value!r}")
    return str(value)


def _convert(option: Option, text: str) -> Any:
    try:
        value = option.type(text)
    except argparse.ArgumentTypeError as exc:
        raise ValueError(f"{option.name}: {exc}") from None
    except (TypeError, ValueError):
        raise ValueError(f"{option.name}: invalid value {text!r}") from None
    if option.choices is not None and value not in option.choices:
        raise ValueError(f"{option.name}: {value!r} is not one of {', '.join(option.choices)}")
    return value


def _help(option: Option) -> str:
    default = "" if option.default in (None, False, [], "") else f"; default {option.default}"
    return f"{option.help} (env {option.env}{default})"


def warn(message: str) -> None:
    print(f"taskstreamd: warning: {message}", file=sys.stderr)
