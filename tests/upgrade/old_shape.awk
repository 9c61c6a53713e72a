# old_shape.awk — rewrite dcc's output in the shape of a dcc that did not
# write await identity: each durable_await initialiser loses its last line
# (`"place", "text" },`) and ends after nsaves, so place and text are NULL.
/^      "body.*" },$/ { sub(/,$/, " },", prev); next }
NR > 1 { print prev }
{ prev = $0 }
END { if (NR) print prev }
