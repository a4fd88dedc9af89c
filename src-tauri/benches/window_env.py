"""The environment both start-up scripts give the desktop window: a private X display, and a
fresh home whose data, cache and config folders (and Sitebook's data folder) nobody else uses,
so a run neither reads nor leaves behind anything of another."""

import os


def private_window_env(home, display):
    """os.environ, with the window pointed at `display` and every folder it writes under `home`;
    Sitebook's data folder is `home`/sitebook."""
    return dict(
        os.environ,
        DISPLAY=display,
        HOME=home,
        XDG_DATA_HOME=f"{home}/data",
        XDG_CACHE_HOME=f"{home}/cache",
        XDG_CONFIG_HOME=f"{home}/config",
        SITEBOOK_DATA_DIR=f"{home}/sitebook",
    )
