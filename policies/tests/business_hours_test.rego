# The optional business-hours rule, with the clock mocked through time.now_ns.
package mem0.authz_test

import rego.v1

import data.mem0.authz

business_hours_on := {
	"enabled": true,
	"start_hour": 9,
	"end_hour": 17,
	"actions": ["write"],
	"timezone": "UTC",
}

business_hours_message := "action write is allowed only between 09:00 and 17:00 UTC"

ns_at(rfc3339) := time.parse_rfc3339_ns(rfc3339)

write_request := own_tenant_request("agent-writer", "write")

passes_at(request, rfc3339, settings) if {
	now := ns_at(rfc3339)
	passes(request) with time.now_ns as now with data.memgov.business_hours as settings
}

deny_at(request, rfc3339, settings) := result if {
	now := ns_at(rfc3339)
	result := authz.deny with input as request with time.now_ns as now with data.memgov.business_hours as settings
}

# Switched off

test_business_hours_off_by_default if {
	data.memgov.business_hours.enabled == false
}

test_business_hours_off_write_0859_allowed if {
	passes_at(write_request, "2026-12-04T08:59:00Z", object.union(business_hours_on, {"enabled": false}))
}

test_business_hours_off_write_1700_allowed if {
	passes_at(write_request, "2026-12-04T17:00:00Z", object.union(business_hours_on, {"enabled": false}))
}

test_business_hours_data_json_write_at_night_allowed if {
	now := ns_at("2026-12-04T03:00:00Z")
	passes(write_request) with time.now_ns as now
}

# A deployment whose data.json has no business_hours entry gets the defaults, which are off.
test_business_hours_missing_setting_write_at_night_allowed if {
	now := ns_at("2026-12-04T03:00:00Z")
	passes(write_request) with time.now_ns as now with data.memgov as {"revision": "test"}
}

# Switched on, 09:00 to 17:00 UTC

test_business_hours_write_0859_denied if {
	business_hours_message in deny_at(write_request, "2026-12-04T08:59:00Z", business_hours_on)
}

test_business_hours_write_0900_allowed if {
	passes_at(write_request, "2026-12-04T09:00:00Z", business_hours_on)
}

test_business_hours_write_1659_allowed if {
	passes_at(write_request, "2026-12-04T16:59:59Z", business_hours_on)
}

test_business_hours_write_1700_denied if {
	business_hours_message in deny_at(write_request, "2026-12-04T17:00:00Z", business_hours_on)
}

test_business_hours_write_0859_not_passing if {
	not passes_at(write_request, "2026-12-04T08:59:00Z", business_hours_on)
}

test_business_hours_read_0859_allowed if {
	passes_at(own_tenant_request("agent-reader", "read"), "2026-12-04T08:59:00Z", business_hours_on)
}

test_business_hours_platform_admin_write_1700_denied if {
	request := own_tenant_request("platform-admin", "write")
	business_hours_message in deny_at(request, "2026-12-04T17:00:00Z", business_hours_on)
}

test_business_hours_listed_delete_0859_denied if {
	settings := object.union(business_hours_on, {"actions": ["write", "delete"]})
	message := "action delete is allowed only between 09:00 and 17:00 UTC"
	message in deny_at(own_tenant_request("admin", "delete"), "2026-12-04T08:59:00Z", settings)
}

test_business_hours_partial_settings_use_defaults if {
	business_hours_message in deny_at(write_request, "2026-12-04T08:59:00Z", {"enabled": true})
}

# Time zones and windows past midnight

test_business_hours_berlin_0830_utc_allowed if {
	# 08:30 UTC is 09:30 in Berlin in December (UTC+1).
	settings := object.union(business_hours_on, {"timezone": "Europe/Berlin"})
	passes_at(write_request, "2026-12-04T08:30:00Z", settings)
}

test_business_hours_berlin_1630_utc_denied if {
	settings := object.union(business_hours_on, {"timezone": "Europe/Berlin"})
	message := "action write is allowed only between 09:00 and 17:00 Europe/Berlin"
	message in deny_at(write_request, "2026-12-04T16:30:00Z", settings)
}

test_business_hours_unknown_timezone_denied if {
	settings := object.union(business_hours_on, {"timezone": "Mars/Olympus"})
	message := "business hours cannot be checked: unknown time zone Mars/Olympus in memgov.business_hours.timezone"
	message in deny_at(write_request, "2026-12-04T12:00:00Z", settings)
}

test_business_hours_night_window_2300_allowed if {
	settings := object.union(business_hours_on, {"start_hour": 22, "end_hour": 6})
	passes_at(write_request, "2026-12-04T23:00:00Z", settings)
}

test_business_hours_night_window_0559_allowed if {
	settings := object.union(business_hours_on, {"start_hour": 22, "end_hour": 6})
	passes_at(write_request, "2026-12-04T05:59:00Z", settings)
}

test_business_hours_night_window_1200_denied if {
	settings := object.union(business_hours_on, {"start_hour": 22, "end_hour": 6})
	message := "action write is allowed only between 22:00 and 06:00 UTC"
	message in deny_at(write_request, "2026-12-04T12:00:00Z", settings)
}

test_business_hours_settings_not_object_denied if {
	message := "memgov.business_hours in data must be an object"
	message in deny_at(write_request, "2026-12-04T12:00:00Z", true)
}

test_business_hours_hour_out_of_range_denied if {
	settings := object.union(business_hours_on, {"end_hour": 25})
	message := "memgov.business_hours needs a list of actions and start_hour and end_hour between 0 and 24"
	message in deny_at(own_tenant_request("agent-reader", "read"), "2026-12-04T12:00:00Z", settings)
}

test_business_hours_actions_not_list_denied if {
	settings := object.union(business_hours_on, {"actions": "write"})
	message := "memgov.business_hours needs a list of actions and start_hour and end_hour between 0 and 24"
	message in deny_at(write_request, "2026-12-04T12:00:00Z", settings)
}
