"""Planning record changes: only what is missing is added, only what is named removed; planning again
after the change plans nothing."""

from mailsec.publish.records import RecordKey, RecordSet, Wanted, plan_changes, rdata_of, value_of, zone_line

TLSA = RecordKey.of("_25._tcp.Mail.Example.NL", "tlsa")
STS = RecordKey.of("_mta-sts.example.nl.", "TXT")
NEW, OLD, OTHER = ("3 1 1 " + digit * 64 for digit in "abc")


def test_keys_are_absolute_lower_case_names():
    assert RecordKey("_25._tcp.mail.example.nl.", "TLSA") == TLSA


def test_missing_records_are_added_and_named_ones_removed_others_kept():
    held = {TLSA: RecordSet(TLSA, (OLD, OTHER), 300)}
    [change] = plan_changes([Wanted(TLSA, (NEW,), 3600, absent=(OLD,))], held)
    assert (change.add, change.remove, change.before) == ((NEW,), (OLD,), (OLD, OTHER))


def test_planning_what_is_already_there_plans_nothing():
    assert plan_changes([Wanted(TLSA, (NEW,), 3600, absent=(OLD,))], {TLSA: RecordSet(TLSA, (NEW, OTHER))}) == ()


def test_an_exclusive_prefix_replaces_every_other_record_beginning_with_it():
    held = {STS: RecordSet(STS, ("v=STSv1; id=old", "v=STSv1;id=older", "google-site-verification=x"))}
    [change] = plan_changes([Wanted(STS, ("v=STSv1; id=new",), 3600, exclusive_prefix="v=STSv1")], held)
    assert change.remove == ("v=STSv1; id=old", "v=STSv1;id=older") and change.add == ("v=STSv1; id=new",)


def test_values_compare_the_same_whichever_way_they_were_written():
    assert value_of(rdata_of("TLSA", "3 1 1 " + "AB" * 32)) == "3 1 1 " + "ab" * 32
    long_text = "v=TLSRPTv1; rua=" + ",".join(f"mailto:r{n}@example.nl" for n in range(20))
    assert value_of(rdata_of("TXT", long_text)) == long_text  # split into 255-byte strings and joined back


def test_zone_lines_are_what_a_zone_file_holds():
    assert zone_line(STS, "v=STSv1; id=1", 3600) == '_mta-sts.example.nl. 3600 IN TXT "v=STSv1; id=1"'
    assert zone_line(TLSA, NEW, 300) == f"_25._tcp.mail.example.nl. 300 IN TLSA {NEW}"
