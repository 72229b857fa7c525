#!/usr/bin/env python3
"""Converts the original shop's MySQL dumps (shared/data/meiduo-seed, beside the checkout) into
this crate's seed scripts: portable multi-row INSERTs, image paths without the old host, money
as M(x) tokens that the loader writes per engine. Run it again only to regenerate the seed."""
import re, sys
import os
here = os.path.dirname(os.path.abspath(__file__))
src = os.path.join(here, '../../../../shared/data/meiduo-seed/')
out = here + '/'

def parse_values(s):
    """Parse a MySQL VALUES list '(...),(...)' into lists of python values (str/None/number text)."""
    rows, i, n = [], 0, len(s)
    while i < n:
        if s[i] != '(':
            i += 1; continue
        i += 1; row = []; 
        while True:
            while s[i] == ' ': i += 1
            if s[i] == "'":
                i += 1; buf = []
                while True:
                    c = s[i]
                    if c == '\\':
                        nxt = s[i+1]; buf.append({'n':'\n','r':'\r','t':'\t','0':'\0'}.get(nxt, nxt)); i += 2
                    elif c == "'" and s[i+1] == "'":
                        buf.append("'"); i += 2
                    elif c == "'":
                        i += 1; break
                    else:
                        buf.append(c); i += 1
                row.append(('s', ''.join(buf)))
            else:
                j = i
                while s[j] not in ',)': j += 1
                tok = s[i:j].strip(); i = j
                row.append(None if tok == 'NULL' else ('n', tok))
            while s[i] == ' ': i += 1
            if s[i] == ',': i += 1; continue
            if s[i] == ')': i += 1; break
        rows.append(row)
    return rows

def sql_lit(v):
    if v is None: return 'NULL'
    kind, val = v
    if kind == 'n': return val
    return "'" + val.replace("'", "''") + "'"

goods = open(src + 'goods_data.sql', encoding='utf-8').read()
def table_rows(name):
    m = re.search(r"INSERT INTO `%s` VALUES (.*?);\n" % name, goods, re.S)
    return parse_values(m.group(1))
def table_cols(name):
    m = re.search(r"CREATE TABLE `%s` \((.*?)\n\)" % name, goods, re.S)
    return re.findall(r"^\s+`(\w+)`", m.group(1), re.M)

def emit(f, table, cols, rows, money=(), chunk=200):
    for k in range(0, len(rows), chunk):
        vals = []
        for r in rows[k:k+chunk]:
            lits = []
            for c, v in zip(cols, r):
                if c == 'default_image_url' and v is not None:
                    v = ('s', v[1].replace('http://image.meiduo.site:8888/', ''))
                if v is not None and v[0] == 's':
                    assert ';\n' not in v[1] and '\\' not in v[1], 'statement delimiter in data'
                lits.append('M(%s)' % v[1] if c in money else sql_lit(v))
            vals.append('(' + ','.join(lits) + ')')
        f.write('INSERT INTO %s (%s) VALUES\n%s;\n' % (table, ','.join(cols), ',\n'.join(vals)))

with open(out + 'catalog.sql', 'w', encoding='utf-8') as f:
    f.write('-- The demo catalog of the original shop (categories, channels, brands, SPUs with\n'
            '-- specifications, 16 SKUs with images). One statement per `;` at a line end.\n'
            '-- M(x) is an amount of money, written per engine by the loader.\n')
    for t in ['tb_goods_category']:
        emit(f, t, table_cols(t), table_rows(t))
    groups = sorted({int(r[3][1]) for r in table_rows('tb_goods_channel')})
    f.write('INSERT INTO tb_goods_channel_group (id,name,create_time,update_time) VALUES\n%s;\n' % ',\n'.join(
        "(%d,'频道组%d','2018-04-09 09:15:38.000000','2018-04-09 09:15:38.000000')" % (g, g) for g in groups))
    for t in ['tb_goods_channel', 'tb_brand', 'tb_goods', 'tb_goods_specification', 'tb_specification_option']:
        emit(f, t, table_cols(t), table_rows(t))
    cols = table_cols('tb_sku')
    emit(f, 'tb_sku', cols, table_rows('tb_sku'), money=('price', 'cost_price', 'market_price'))
    for t in ['tb_sku_image', 'tb_sku_specification']:
        emit(f, t, table_cols(t), table_rows(t))

areas = open(src + 'areas.sql', encoding='utf-8').read()
rows = re.findall(r"INSERT INTO `tb_areas` VALUES \('(\d+)', '([^']*)', (NULL|'\d+')\);", areas)
with open(out + 'areas.sql', 'w', encoding='utf-8') as f:
    f.write('-- China\'s provinces, cities and districts by national administrative division code.\n')
    now = "'2018-04-09 00:00:00.000000'"
    conv = [[('n', a), ('s', b), None if c == 'NULL' else ('n', c.strip("'")), ('n', now), ('n', now)] for a, b, c in rows]
    # parents before children: provinces, then cities, then districts
    level = lambda r: 0 if r[2] is None else (1 if r[0][1].endswith('00') else 2)
    conv.sort(key=lambda r: (level(r), int(r[0][1])))
    emit(f, 'tb_areas', ['id', 'name', 'parent_id', 'create_time', 'update_time'], conv, chunk=500)
print(len(rows), 'areas')
