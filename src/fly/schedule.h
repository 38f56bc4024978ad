// `pgdump2s3 fly schedule`: one machine in the app that Fly itself starts
// hourly, daily, weekly or monthly (config.schedule), found again by its
// metadata (worker_machine.h kRoleMetadataKey = kScheduleRole) so that a
// second call updates it instead of adding another.
#pragma once

#include <string>

#include "fly/fly_settings.h"
#include "fly/machines_api.h"

namespace pgdump2s3::fly {

// Creates the scheduled machine, or updates the one there is. Fly starts a
// new machine at once (CreateMachineRequest without skip_launch), so the
// first backup runs right away; an update keeps a stopped machine stopped.
// Returns 0; API errors throw.
int schedule_backups(const FlySettings& settings, MachinesApi& api, const std::string& every);

// Destroys the scheduled machine(s); none is not an error. Returns 0.
int remove_scheduled_backups(MachinesApi& api);

}  // namespace pgdump2s3::fly
