/* geo.h -- the geo commands on sorted sets: GEOADD, GEOPOS, GEOHASH,
 * GEODIST, GEORADIUS*, GEOSEARCH* (the geometry is geohash.c). */
#ifndef CASTOR_GEO_H
#define CASTOR_GEO_H

#include "cmdtable.h"

/* The command table, registered by server.c. */
extern command geo_commands[];

#endif
