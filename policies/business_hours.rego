# Optional time window for some actions, switched on in data.json under memgov.business_hours.
# The window is [start_hour, end_hour) in the configured IANA time zone. When start_hour is
# greater than end_hour the window wraps past midnight, and equal hours give an empty window.
package mem0.authz

import rego.v1

business_hours_defaults := {
	"enabled": false,
	"start_hour": 9,
	"end_hour": 17,
	"actions": ["write"],
	"timezone": "UTC",
}

default business_hours_overrides := {}

business_hours_overrides := data.memgov.business_hours

business_hours_config := object.union(business_hours_defaults, business_hours_overrides)

business_hours_apply if {
	business_hours_config.enabled == true
	input.action in business_hours_config.actions
}

business_hours_settings_valid if {
	is_array(business_hours_config.actions)
	business_hours_valid_hour(business_hours_config.start_hour)
	business_hours_valid_hour(business_hours_config.end_hour)
}

business_hours_valid_hour(hour) if {
	is_number(hour)
	hour >= 0
	hour <= 24
}

# Undefined when the time zone is unknown, and a deny rule below reports that.
business_hours_local_hour := time.clock([time.now_ns(), business_hours_config.timezone])[0]

business_hours_clock_works if is_number(business_hours_local_hour)

business_hours_open if {
	business_hours_config.start_hour < business_hours_config.end_hour
	business_hours_local_hour >= business_hours_config.start_hour
	business_hours_local_hour < business_hours_config.end_hour
}

business_hours_open if {
	business_hours_config.start_hour > business_hours_config.end_hour
	business_hours_local_hour >= business_hours_config.start_hour
}

business_hours_open if {
	business_hours_config.start_hour > business_hours_config.end_hour
	business_hours_local_hour < business_hours_config.end_hour
}

deny contains message if {
	business_hours_apply
	business_hours_clock_works
	not business_hours_open
	message := sprintf(
		"action %s is allowed only between %02d:00 and %02d:00 %s",
		[
			input.action,
			business_hours_config.start_hour,
			business_hours_config.end_hour,
			business_hours_config.timezone,
		],
	)
}

deny contains message if {
	business_hours_apply
	not business_hours_clock_works
	message := sprintf(
		"business hours cannot be checked: unknown time zone %v in memgov.business_hours.timezone",
		[business_hours_config.timezone],
	)
}

deny contains "memgov.business_hours in data must be an object" if {
	not is_object(business_hours_overrides)
}

deny contains message if {
	business_hours_config.enabled == true
	not business_hours_settings_valid
	message := "memgov.business_hours needs a list of actions and start_hour and end_hour between 0 and 24"
}
