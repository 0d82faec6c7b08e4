#!/bin/sh
cd /usr/share/pixeldungeon || exit 1
exec java -jar pixeldungeon.jar "$@"
