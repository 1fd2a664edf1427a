-- Each person's home–workplace distance, tenths of a km (0: none set). A trip from home is
-- paid only beyond it (the agreement's rule; uppsok_model::mileage::business_km). Set with
-- `uppsok admin user set USERNAME --home-work-km 12,5`.
ALTER TABLE staff ADD COLUMN home_work_deci_km BIGINT NOT NULL DEFAULT 0;
