// placeholder: the Node preload
