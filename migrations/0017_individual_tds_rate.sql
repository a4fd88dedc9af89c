-- Income-tax TDS under section 194C is 1 % for an individual or HUF agency and 2 % for others
-- (DOMAIN.md §2a). The example IT-TDS line now carries the individual's rate; an office that had
-- already made the example set its own keeps the shipped line, which gains the same rate here.
-- Lines the office wrote or changed itself are left as they are. Issued bills froze their lines.
UPDATE payment_lines
SET line_json = json_set(line_json, '$.individual_percent', '1')
WHERE code = 'IT-TDS'
  AND json_extract(line_json, '$.label') = 'Income tax TDS (194C)'
  AND json_extract(line_json, '$.effect') = 'deduction'
  AND json_extract(line_json, '$.charge.kind') = 'percent'
  AND json_extract(line_json, '$.charge.value') = '2'
  AND json_extract(line_json, '$.individual_percent') IS NULL;
