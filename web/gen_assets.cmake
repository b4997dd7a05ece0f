# Writes assets_table.c: every file under web/assets/ pulled into the
# object by the assembler's .incbin, and a table of (path, bytes, size).
# Run by web/CMakeLists.txt with ASSET_DIR, OUTPUT and FILES (a ;-list of
# paths relative to ASSET_DIR). Rewritten only when its text changes; the
# object is rebuilt when any asset changes (OBJECT_DEPENDS).
set(text "/* Generated from web/assets/ by web/gen_assets.cmake: do not edit. */\n")
string(APPEND text "#include \"assets_table.h\"\n\n")
set(table "")
set(index 0)
foreach(rel ${FILES})
  set(sym "dbn_web_asset_${index}")
  string(APPEND text "__asm__(\".section .rodata\\n.balign 16\\n${sym}_data:\\n.incbin \\\"${ASSET_DIR}/${rel}\\\"\\n${sym}_end:\\n.byte 0\\n.previous\\n\");\n")
  string(APPEND text "extern const unsigned char ${sym}_data[] __asm__(\"${sym}_data\");\n")
  string(APPEND text "extern const unsigned char ${sym}_end[] __asm__(\"${sym}_end\");\n")
  string(APPEND table "    {\"${rel}\", ${sym}_data, 0},\n")
  math(EXPR index "${index} + 1")
endforeach()
string(APPEND text "\nstatic dbn_web_asset_t table[] = {\n${table}    {0, 0, 0}};\n")
string(APPEND text "const dbn_web_asset_t *const dbn_web_asset_table = table;\n")
string(APPEND text "const size_t dbn_web_asset_table_count = ${index};\n\n")
# Sizes are differences of two labels, known only at link time, so they are
# filled in once before main by a constructor.
string(APPEND text "__attribute__((constructor)) static void\nset_sizes(void)\n{\n")
math(EXPR last "${index} - 1")
if(index GREATER 0)
  foreach(i RANGE ${last})
    string(APPEND text "  table[${i}].size = (size_t)(dbn_web_asset_${i}_end - dbn_web_asset_${i}_data);\n")
  endforeach()
endif()
string(APPEND text "}\n")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
else()
  set(old "")
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUTPUT} "${text}")
endif()
