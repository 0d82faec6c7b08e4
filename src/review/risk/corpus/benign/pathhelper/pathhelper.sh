append_path /opt/pathhelper/bin
export PATH
