//! Printed reports that more than one program produces: the körjournal PDF (the dashboard's
//! payroll copy and the desktop field device's export). The rows and totals come from
//! `uppsok_model::mileage::korjournal`, so a PDF can never disagree with the CSV beside it.

pub mod korjournal_pdf;
