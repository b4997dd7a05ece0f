/* xlsx.h: what the workbook (report.h's dbn_report_write_xlsx) shares with
 * anything else that paints the report: the fill of each colour, so that a
 * red task is the same red in Excel as on the board. */
#ifndef DUBAN_REPORT_XLSX_H
#define DUBAN_REPORT_XLSX_H

#include <stdint.h>

#include "pace.h"

/* The fill of colour as 0xRRGGBB: 红 0xF4CCCC, 黄 0xFFF2CC, 蓝 0xCFE2F3,
 * 绿 0xD9EAD3 (light, so that black text stays readable); a value outside
 * the enum is red, as pace.h's roll-up treats it. */
uint32_t dbn_xlsx_colour_fill(dbn_colour_t colour);

#endif
