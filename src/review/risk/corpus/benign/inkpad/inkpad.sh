#!/bin/sh
exec @ELECTRON@ /usr/lib/inkpad/app.asar "$@"
