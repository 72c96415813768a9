# Writes OUT, a C++ fragment holding every migrations/*.sql file (sorted by
# name) as {name, sql} pairs, so gog-serve carries its schema and never reads
# the source tree at run time. Run as: cmake -DSRC=dir -DOUT=file -P this.
file(GLOB files "${SRC}/*.sql")
list(SORT files)
set(body "// Generated from migrations/*.sql by embed_migrations.cmake.\n")
foreach(path ${files})
  get_filename_component(name ${path} NAME)
  file(READ ${path} sql)
  string(APPEND body "{\"${name}\", R\"gogsql(${sql})gogsql\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "${body}")
# Only touch OUT when it changed, so unrelated builds do not recompile.
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
