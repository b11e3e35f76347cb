// Entry point of the Functions app (package.json "main"): each module registers its functions.
import "./migration";
import "./control";
import "./acceptSettings";
import "./cutover";
import "./checkAccess";
import "./verification";
import "./status";
