#!/bin/sh
exec /opt/notely/notely.AppImage "$@"
