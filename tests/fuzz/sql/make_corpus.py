#!/usr/bin/python3
"""Regenerate the SQL fuzz seed corpus (tests/fuzz/sql/corpus/seed_*).

Each seed is one input of fuzz_sql: a whole query string run on an empty database, so a seed
taken from a sqllogictest file carries that file's CREATE TABLE / CREATE INDEX / CREATE VIEW
statements and its first few INSERTs in front of one statement of the file. About 300 seeds
are taken evenly from ../shared/sqllogictest (select1-5 and evidence/), plus hand-written ones
(hand_*.sql in this folder are kept as they are). Usage: make_corpus.py [SQLLOGICTEST_DIR]
"""
import hashlib
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
slt = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, '../../../../shared/sqllogictest')
out = os.path.join(here, 'corpus')
PER_FILE = {'select': 40, 'evidence': 15}
MAX_INSERTS = 6


def records(path):
    """(kind, sql) per record of a sqllogictest file."""
    rec = []
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().split('\n')
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith('statement') or line.startswith('query'):
            kind = line.split()[0]
            i += 1
            sql = []
            while i < len(lines) and lines[i].strip() != '' and lines[i].strip() != '----':
                sql.append(lines[i])
                i += 1
            if sql:
                rec.append((kind, '\n'.join(sql)))
            while i < len(lines) and lines[i].strip() != '':
                i += 1
        i += 1
    return rec


def seeds_of(path, n):
    recs = records(path)
    setup, inserts, rest = [], [], []
    for kind, sql in recs:
        head = sql.lstrip().upper()
        if head.startswith('CREATE'):
            setup.append(sql)
        elif head.startswith('INSERT') and len(inserts) < MAX_INSERTS:
            inserts.append(sql)
        else:
            rest.append(sql)
    if not rest:
        return []
    step = max(1, len(rest) // n)
    prefix = ';\n'.join(setup + inserts)
    return [prefix + ';\n' + sql + ';\n' for sql in rest[::step][:n]]


def main():
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.startswith('seed_'):
            os.remove(os.path.join(out, name))
    files = sorted(os.path.join(slt, f) for f in os.listdir(slt) if f.endswith('.test'))
    ev = os.path.join(slt, 'evidence')
    if os.path.isdir(ev):
        files += sorted(os.path.join(ev, f) for f in os.listdir(ev) if f.endswith('.test'))
    n = 0
    for path in files:
        per = PER_FILE['evidence'] if '/evidence/' in path else PER_FILE['select']
        for s in seeds_of(path, per):
            data = s.encode()
            name = 'seed_' + hashlib.sha1(data).hexdigest()[:16]
            with open(os.path.join(out, name), 'wb') as f:
                f.write(data)
            n += 1
    print('wrote %d seeds to %s' % (n, out))


main()
