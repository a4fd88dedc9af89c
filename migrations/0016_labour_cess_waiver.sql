-- Labour cess is deducted from a bill only "where it was not already collected in the estimate"
-- (DOMAIN.md §2a). The example LC line now carries that condition; an office that had already
-- made the example set its own keeps the shipped LC line, which gains the same condition here.
-- Lines the office wrote itself are left as they are: it can tick the condition in Settings.
-- Bills already issued froze their lines and are not touched.
UPDATE payment_lines
SET line_json = json_set(line_json, '$.unless_estimate_has_lc', json('true'))
WHERE code = 'LC'
  AND json_extract(line_json, '$.label') = 'Labour cess (BOCW welfare)'
  AND json_extract(line_json, '$.effect') = 'deduction'
  AND json_extract(line_json, '$.charge.kind') = 'percent'
  AND json_extract(line_json, '$.charge.value') = '1';
