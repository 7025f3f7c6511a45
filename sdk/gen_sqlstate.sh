#!/bin/sh
# gen_sqlstate.sh SQLSTATE_TXT OUT_HEADER OUT_MARKDOWN
# Generates helios/sqlstate.h and the docs table from sdk/sqlstate.txt (the one source).
set -eu
in=$1; hdr=$2; md=$3
tmp_h="$hdr.tmp.$$"; tmp_m="$md.tmp.$$"
awk '
BEGIN {
  print "/* Generated from sdk/sqlstate.txt by sdk/gen_sqlstate.sh; do not edit. */"
  print "#ifndef HELIOS_SQLSTATE_H"
  print "#define HELIOS_SQLSTATE_H"
  print "#include \"helios/status.h\""
  print ""
}
/^#/ || NF == 0 { next }
NF != 4 || length($1) != 5 { printf "sqlstate.txt:%d: expected 4 columns and a 5-character code\n", NR > "/dev/stderr"; bad = 1; exit 1 }
{
  c = $1; n = toupper($2)
  if (seen[c]++) { printf "sqlstate.txt:%d: duplicate code %s\n", NR, c > "/dev/stderr"; bad = 1; exit 1 }
  printf "#define HELIOS_ERR_%s HELIOS_SQLSTATE(\x27%s\x27, \x27%s\x27, \x27%s\x27, \x27%s\x27, \x27%s\x27)\n", n, substr(c,1,1), substr(c,2,1), substr(c,3,1), substr(c,4,1), substr(c,5,1)
  codes[++k] = c; names[k] = $2; my[k] = $3; ora[k] = $4
}
END {
  if (bad) exit 1
  print ""
  print "typedef struct helios_sqlstate_info {"
  print "    const char *code;   /* five characters */"
  print "    const char *name;   /* PostgreSQL condition name */"
  print "    int32_t mysql_errno; /* 0: none */"
  print "    int32_t ora_number;  /* 0: none */"
  print "} helios_sqlstate_info_t;"
  print ""
  print "#define HELIOS_SQLSTATE_TABLE_INIT { \\"
  for (i = 1; i <= k; i++) printf "    {\"%s\", \"%s\", %d, %d}, \\\n", codes[i], names[i], my[i], ora[i]
  print "}"
  printf "#define HELIOS_SQLSTATE_COUNT %d\n", k
  print ""
  print "#endif /* HELIOS_SQLSTATE_H */"
}' "$in" > "$tmp_h"
awk '
BEGIN { print "# Error codes"; print ""; print "Generated from `sdk/sqlstate.txt`; do not edit. HeliosDB reports PostgreSQL SQLSTATEs; the MySQL protocol reports the errno column and the Oracle protocol the ORA number."; print ""; print "| SQLSTATE | condition | MySQL errno | ORA |"; print "|---|---|---|---|" }
/^#/ || NF == 0 { next }
{ printf "| %s | %s | %s | %s |\n", $1, $2, ($3 == 0 ? "" : $3), ($4 == 0 ? "" : sprintf("ORA-%05d", $4)) }' "$in" > "$tmp_m"
mv "$tmp_h" "$hdr"; mv "$tmp_m" "$md"
