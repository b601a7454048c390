"""Labels of the run's own pages and files: the index page, results.xlsx, ``cvm check-data``.

Every key has the ``report.`` prefix (looked up with ``context="report"``), so the words
of the report pipeline never collide with a study's column of the same name.
"""

LABELS = {
    # ------------------------------------------------------------ index page
    "report.title": ("CVM Workbench report", "CVM 客户价值管理研究报告"),
    "report.study": ("Study", "研究"),
    "report.status": ("Status", "状态"),
    "report.duration": ("Duration", "用时"),
    "report.seconds": ("{seconds} s", "{seconds} 秒"),
    "report.key_figures": ("Key figures", "关键指标"),
    "report.figure": ("Key figure", "指标"),
    "report.value": ("Value", "数值"),
    "report.change": ("Change", "变化"),
    "report.files": ("Files", "文件"),
    "report.run": ("Run", "运行"),
    "report.commit": ("Commit", "代码版本"),
    "report.dirty": ("uncommitted changes", "含未提交修改"),
    "report.ok": ("ok", "成功"),
    "report.failed": ("failed", "失败"),
    "report.interrupted": ("interrupted", "已中断"),
    "report.pending": ("not run", "未运行"),
    "report.error": ("Error", "错误"),
    "report.cell": ("cell {cell}", "第 {cell} 个单元格"),
    "report.line": ("line {line}", "第 {line} 行"),
    "report.data": ("Data", "数据"),
    "report.data_rows": ("{rows} transactions, {customers} customers", "{rows} 笔交易，{customers} 位客户"),
    "report.observation_end": ("observed up to {date}", "观察期截至 {date}"),
    "report.bundled": ("{name} (bundled data set)", "{name}（内置数据集）"),
    "report.no_figures": ("no key figures recorded", "未记录关键指标"),
    "report.assumption": ("Assumption", "假设"),
    "report.previous": ("Compared with the previous successful run {run} ({date}).",
                        "与上一次成功运行 {run}（{date}）比较。"),
    "report.first_run": ("No earlier successful run in this folder: no changes shown.",
                         "此文件夹中没有更早的成功运行，因此不显示变化。"),
    # Changes since the previous run: {arrow} ▲/▼, {amount} the change, {date} of the previous run.
    "report.change_points": ("{arrow} {amount} pts since {date}", "较 {date} {arrow} {amount} 个百分点"),
    "report.change_relative": ("{arrow} {amount}% since {date}", "较 {date} {arrow} {amount}%"),
    "report.change_absolute": ("{arrow} {amount} since {date}", "较 {date} {arrow} {amount}"),
    "report.unchanged": ("unchanged since {date}", "较 {date} 持平"),
    "report.new_figure": ("new since {date}", "{date} 之后新增"),
    # ------------------------------------------------------------ results.xlsx
    "report.sheet_key_figures": ("Key figures", "关键指标"),
    "report.sheet_contents": ("Contents", "目录"),
    "report.sheet": ("Sheet", "工作表"),
    "report.table": ("Table", "表"),
    "report.rows": ("Rows", "行数"),
    "report.file": ("File", "文件"),
    "report.unit": ("Unit", "单位"),
    "report.headline": ("Headline", "核心指标"),
    "report.truncated": ("first {rows} rows; the CSV has all {total}", "仅前 {rows} 行；CSV 文件包含全部 {total} 行"),
    "report.yes": ("yes", "是"),
    "report.no": ("no", "否"),
    # ------------------------------------------------------------ cvm check-data
    "report.check.source": ("source", "数据源"),
    "report.check.columns_given": ("columns given", "指定的列"),
    "report.check.options_given": ("options given", "指定的选项"),
    "report.check.policies": ("policies", "处理策略"),
    "report.check.encoding": ("encoding", "编码"),
    "report.check.header_row": ("header row", "表头行"),
    "report.check.sheet": ("sheet", "工作表"),
    "report.check.mapping": ("mapping", "列映射"),
    "report.check.recognised": ("recognised", "已识别"),
    "report.check.not_used": ("not used", "未使用"),
    "report.check.none": ("(none)", "（无）"),
    "report.check.quality": ("data quality", "数据质量"),
    "report.check.first_rows": ("first {shown} rows as loaded ({rows} rows, {customers} customers)",
                                "载入后的前 {shown} 行（共 {rows} 行，{customers} 位客户）"),
    "report.check.failed": ("RESULT: the data cannot be used as given: {error}",
                            "结论：数据按当前设置无法使用：{error}"),
    "report.check.failed_hint": ("        names of your columns: --column customer=... date=... amount=...; "
                                 "load options: --option NAME=VALUE",
                                 "        指定您的列名：--column customer=... date=... amount=...；"
                                 "载入选项：--option NAME=VALUE"),
    "report.check.ok": ("RESULT: ok — run it with:  cvm run --data ... (the same --column/--option), "
                        "or put these settings in a config's data: block",
                        "结论：可以使用 — 运行：cvm run --data ...（使用相同的 --column/--option），"
                        "或把这些设置写入配置文件的 data: 部分"),
    # The quality table's words that the overview study does not name (cvm_lib.data.quality_table;
    # the overview's labels, overview.<id>, come first: see cvm_lib.sources._quality_label).
    "report.quality.check": ("check", "检查项"),
    "report.quality.rows": ("rows", "行数"),
    "report.quality.date_that_cannot_be_parsed": ("date that cannot be parsed", "无法识别的日期"),
    "report.quality.amount_that_is_not_a_number": ("amount that is not a number", "非数字金额"),
    "report.quality.date_after_the_observation_end": ("date after the observation end", "晚于观察期末的日期"),
    "report.quality.exact_duplicate_row": ("exact duplicate row", "完全重复的行"),
    "report.quality.negative_amount_return_or_refund": ("negative amount (return or refund)", "负金额（退货或退款）"),
    "report.quality.return_larger_than_the_customer_s_earlier_purchases":
        ("return larger than the customer's earlier purchases", "退货金额超过该客户此前的购买"),
    "report.quality.date_outside_the_allowed_window": ("date outside the allowed window", "超出允许区间的日期"),
    "report.quality.timestamps_with_a_time_zone_offset": ("timestamps with a time-zone offset", "带时区偏移的时间戳"),
    "report.quality.partial_date_month_or_year_only": ("partial date (month or year only)", "不完整日期（仅年或年月）"),
    "report.quality.excel_serial_day_numbers": ("Excel serial day numbers", "Excel 日期序列号"),
    "report.quality.first_day_of_the_period": ("first day of the period", "取该期第一天"),
}
