//! Printed reports that more than one program produces: the körjournal PDF (the dashboard's
//! payroll copy and the desktop field device's export), whose rows and totals come from
//! `uppsok_model::mileage::korjournal` so a PDF can never disagree with the CSV beside it; and
//! the yearly follow-up (*Verksamhetsuppföljning*, [`followup_pdf`]), laid out from sections the
//! dashboard fills with the figures its pages show.

pub mod followup_pdf;
pub mod korjournal_pdf;
