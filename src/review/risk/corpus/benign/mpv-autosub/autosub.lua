local utils = require "mp.utils"
mp.register_event("file-loaded", function() end)
