-- A benefit car's fuel allowance (bilersättning för förmånsbil). The register says what a car
-- runs on and whether its driver pays the fuel (only a benefit car's driver can); such a car's
-- trips earn the organisation's rate for that fuel, tax-free up to Skatteverket's amount. The
-- rates are dated with the others in `org_rates`: every row so far gets Skatteverket's amounts
-- (12 kr/mil fossil, 9.50 kr/mil electric), and no existing car earns the allowance until an
-- administrator says its driver pays the fuel, so no trip already priced changes.
ALTER TABLE vehicles ADD COLUMN fuel TEXT NOT NULL DEFAULT 'fossil' CHECK (fuel IN ('fossil', 'electric'));
ALTER TABLE vehicles ADD COLUMN driver_pays_fuel BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE org_rates ADD COLUMN benefit_fossil_ore_per_km BIGINT NOT NULL DEFAULT 120;
ALTER TABLE org_rates ADD COLUMN benefit_electric_ore_per_km BIGINT NOT NULL DEFAULT 95;
